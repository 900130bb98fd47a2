package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * {@code curl -T} or {@code --data-binary} with a form Content-Type: the PUT body is a file, stored byte
 * for byte, never parsed as form parameters (milton CE under Jetty 12's defaults stored it empty).
 */
class CurlFormPutTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static void assertStored(String path, byte[] body) throws Exception {
        assertThat(Git.bytes(s, path)).isEqualTo(body);
        HttpResponse<byte[]> get = s.sendBytes("GET", path, null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(body);
        assertThat(get.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId(body)));
    }

    @Test
    void aFormEncodedBodyIsStoredByteForByte() throws Exception {
        byte[] body = "name=J%C3%BCrgen+X&x=1&x=2&empty=&flag".getBytes(StandardCharsets.US_ASCII);
        HttpResponse<byte[]> put = s.sendBytes("PUT", "form.txt", body, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertStored("form.txt", body);
    }

    @Test
    void aChunkedFormEncodedBodyIsStoredByteForByte() throws Exception {
        byte[] body = "a=1&b=%20two&c=3".getBytes(StandardCharsets.US_ASCII);
        HttpRequest req = s.request("form-chunked.txt").header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> put = s.http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertStored("form-chunked.txt", body);
    }

    @Test
    void aMultipartBodyIsStoredByteForByte() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("--XyZzY\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"
                + "--XyZzY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bin.dat\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 256; i++) {
            b.write(i);
        }
        b.writeBytes("\r\n--XyZzY--\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] body = b.toByteArray();
        HttpResponse<byte[]> put = s.sendBytes("PUT", "multi.bin", body, "Content-Type", "multipart/form-data; boundary=XyZzY");
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertStored("multi.bin", body);
    }
}
