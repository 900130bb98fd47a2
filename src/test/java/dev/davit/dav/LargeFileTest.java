package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/** Files past the small-blob size: PUT with a length and chunked, GET whole and by range, byte for byte. */
class LargeFileTest {
    static final byte[] DATA = new byte[3 * 1024 * 1024 + 777];

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        new Random(42).nextBytes(DATA);
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void putWithALengthThenGetRoundTrips() throws Exception {
        HttpResponse<byte[]> put = s.sendBytes("PUT", "large.bin", DATA);
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId(DATA)));
        assertThat(Git.id(s, "large.bin")).isEqualTo(Git.blobId(DATA));

        HttpResponse<byte[]> get = s.sendBytes("GET", "large.bin", null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("Content-Length")).contains(String.valueOf(DATA.length));
        assertThat(get.body()).isEqualTo(DATA);
    }

    @Test
    void aChunkedPutIsStoredWhole() throws Exception {
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(DATA));
        HttpResponse<String> put = s.http.send(s.request("chunked-large.bin").PUT(chunked).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(Git.bytes(s, "chunked-large.bin")).isEqualTo(DATA);
    }

    @Test
    void rangesOfALargeFileAreServedFromTheirOffset() throws Exception {
        assertThat(s.sendBytes("PUT", "ranged.bin", DATA).statusCode()).isIn(201, 204);
        int from = 2_500_000;
        int to = 2_600_000;
        HttpResponse<byte[]> r = s.sendBytes("GET", "ranged.bin", null, "Range", "bytes=" + from + "-" + to);
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes " + from + "-" + to + "/" + DATA.length);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(DATA, from, to + 1));

        HttpResponse<byte[]> tail = s.sendBytes("GET", "ranged.bin", null, "Range", "bytes=-1000");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(DATA, DATA.length - 1000, DATA.length));
    }

    /**
     * After the background repack put the file in a pack (no loose object left), it is sent from the pack
     * (PackedBlobs): whole, and by ranges anywhere, with the same headers.
     */
    @Test
    void aPackedLargeFileIsServedWholeAndByRange() throws Exception {
        byte[] data = Arrays.copyOf(DATA, DATA.length);
        data[0] ^= 0x55; // another blob than the other tests' (they may have left theirs loose)
        assertThat(s.sendBytes("PUT", "packed.bin", data).statusCode()).isIn(201, 204);
        String id = Git.blobId(data);
        dev.davit.storage.GitRepository repo = s.server.repositories().open("demo", "sample");
        s.server.repositories().maintenance().run(repo);
        assertThat(s.bareRepository().resolve("objects").resolve(id.substring(0, 2)).resolve(id.substring(2))).doesNotExist();

        HttpResponse<byte[]> get = s.sendBytes("GET", "packed.bin", null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("ETag")).contains(Git.quoted(id));
        assertThat(get.headers().firstValue("Content-Length")).contains(String.valueOf(data.length));
        assertThat(get.body()).isEqualTo(data);
        for (int from : new int[] {1, 1_048_570, 2_500_000, data.length - 10}) {
            int to = Math.min(data.length - 1, from + 100_000);
            HttpResponse<byte[]> r = s.sendBytes("GET", "packed.bin", null, "Range", "bytes=" + from + "-" + to);
            assertThat(r.statusCode()).isEqualTo(206);
            assertThat(r.headers().firstValue("Content-Range")).contains("bytes " + from + "-" + to + "/" + data.length);
            assertThat(r.body()).as("from %d", from).isEqualTo(Arrays.copyOfRange(data, from, to + 1));
        }
    }

    /**
     * A large file is sent from its object file in 4 MiB writes (LargeBlobs.sendLoose), not through the servlet
     * stream: the answer's headers and conditions are those of every other file.
     */
    @Test
    void aLargeFileAnswersWithTheHeadersAndConditionsOfAnyFile() throws Exception {
        assertThat(s.sendBytes("PUT", "headers.bin", DATA).statusCode()).isIn(201, 204);
        String etag = Git.quoted(Git.blobId(DATA));

        HttpResponse<byte[]> get = s.sendBytes("GET", "headers.bin", null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("ETag")).contains(etag);
        assertThat(get.headers().firstValue("X-Revision")).contains(s.head());
        assertThat(get.headers().firstValue("Content-Length")).contains(String.valueOf(DATA.length));
        assertThat(get.headers().firstValue("Accept-Ranges")).contains("bytes");
        assertThat(get.headers().firstValue("Last-Modified")).isPresent();
        assertThat(get.body()).isEqualTo(DATA);

        HttpResponse<byte[]> head = s.sendBytes("HEAD", "headers.bin", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains(String.valueOf(DATA.length));
        assertThat(head.headers().firstValue("ETag")).contains(etag);
        assertThat(head.body()).isEmpty();

        HttpResponse<byte[]> notModified = s.sendBytes("GET", "headers.bin", null, "If-None-Match", etag);
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();
        HttpResponse<byte[]> failed = s.sendBytes("GET", "headers.bin", null, "If-Match", "\"0000\"");
        assertThat(failed.statusCode()).as(new String(failed.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(412);
        HttpResponse<byte[]> matched = s.sendBytes("GET", "headers.bin", null, "If-Match", etag, "Range", "bytes=1048570-1048580");
        assertThat(matched.statusCode()).isEqualTo(206);
        assertThat(matched.headers().firstValue("Content-Range")).contains("bytes 1048570-1048580/" + DATA.length);
        assertThat(matched.headers().firstValue("Content-Length")).contains("11");
        assertThat(matched.body()).isEqualTo(Arrays.copyOfRange(DATA, 1_048_570, 1_048_581));
        HttpResponse<byte[]> staleRange = s.sendBytes("GET", "headers.bin", null, "If-Range", "\"0000\"", "Range", "bytes=0-9");
        assertThat(staleRange.statusCode()).isEqualTo(200);
        assertThat(staleRange.body()).isEqualTo(DATA);
        HttpResponse<byte[]> unsatisfiable = s.sendBytes("GET", "headers.bin", null, "Range", "bytes=" + DATA.length + "-");
        assertThat(unsatisfiable.statusCode()).isEqualTo(416);
        assertThat(unsatisfiable.headers().firstValue("Content-Range")).contains("bytes */" + DATA.length);
    }
}
