package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/** GET and HEAD of a file, with single byte ranges (RFC 9110 §14). */
class RangeAndConditionalGetTest {
    static final String CONTENT = "0123456789abcdefghij"; // 20 bytes

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        HttpResponse<String> put = s.put("range.txt", CONTENT);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void getReturnsTheWholeFileWithLengthAndEtag() throws Exception {
        HttpResponse<String> r = s.get("range.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(CONTENT);
        assertThat(r.headers().firstValue("Content-Length")).contains("20");
        assertThat(r.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId(CONTENT)));
        assertThat(r.headers().firstValue("Content-Range")).isEmpty();
    }

    @Test
    void headAnswersTheHeadersOfGetWithoutABody() throws Exception {
        HttpResponse<String> r = s.send("HEAD", "range.txt", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).contains("20");
        assertThat(r.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId(CONTENT)));
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
    }

    @Test
    void rangeFirstToLastGives206WithContentRange() throws Exception {
        HttpResponse<String> r = s.get("range.txt", "Range", "bytes=2-5");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(206);
        assertThat(r.body()).isEqualTo("2345");
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes 2-5/20");
        assertThat(r.headers().firstValue("Content-Length")).contains("4");
    }

    @Test
    void openEndedRangeGivesTheRestOfTheFile() throws Exception {
        HttpResponse<String> r = s.get("range.txt", "Range", "bytes=15-");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(206);
        assertThat(r.body()).isEqualTo("fghij");
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes 15-19/20");
    }

    @Test
    void suffixRangeGivesTheLastBytes() throws Exception {
        HttpResponse<String> r = s.get("range.txt", "Range", "bytes=-3");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(206);
        assertThat(r.body()).isEqualTo("hij");
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes 17-19/20");
    }

    @Test
    void rangeOnHeadGives206WithContentRangeAndNoBody() throws Exception {
        HttpResponse<String> r = s.send("HEAD", "range.txt", null, "Range", "bytes=2-5");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(206);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes 2-5/20");
    }

    @Test
    void unsatisfiableRangeGives416WithTheSize() throws Exception {
        HttpResponse<String> r = s.get("range.txt", "Range", "bytes=50-60");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(416);
        assertThat(r.headers().firstValue("Content-Range")).contains("bytes */20");
    }

    @Test
    void severalRangesGiveTheWholeFileWith200() throws Exception {
        HttpResponse<String> r = s.get("range.txt", "Range", "bytes=0-1,5-6");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(CONTENT);
        assertThat(r.headers().firstValue("Content-Range")).isEmpty();
    }
}
