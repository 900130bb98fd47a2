package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** Reads of a past state with {@code ?rev=<commit>}; a past state is read-only. */
class PastRevisionTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static String before;
    static String rev1;
    static String rev2;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        before = s.head();
        rev1 = s.put("hist.txt", "first").headers().firstValue("X-Revision").orElseThrow();
        rev2 = s.put("hist.txt", "second").headers().firstValue("X-Revision").orElseThrow();
        s.put("hist.txt", "third");
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void getWithRevReturnsTheFileAsItWas() throws Exception {
        HttpResponse<String> r1 = s.get("hist.txt?rev=" + rev1);
        assertThat(r1.statusCode()).as(r1.body()).isEqualTo(200);
        assertThat(r1.body()).isEqualTo("first");
        HttpResponse<String> r2 = s.get("hist.txt?rev=" + rev2);
        assertThat(r2.body()).isEqualTo("second");
        assertThat(s.get("hist.txt").body()).isEqualTo("third");
    }

    @Test
    void aFileThatDidNotExistYetIs404() throws Exception {
        HttpResponse<String> r = s.get("hist.txt?rev=" + before);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    }

    @Test
    void anUnknownFullCommitIdIs404() throws Exception {
        HttpResponse<String> r = s.get("hist.txt?rev=0123456789012345678901234567890123456789");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        HttpResponse<String> pf = Dav.propfind(s, "hist.txt?rev=0123456789012345678901234567890123456789", "0");
        assertThat(pf.statusCode()).as(pf.body()).isEqualTo(404);
    }

    @Test
    void anUnknownRevisionNameIs404() throws Exception {
        for (String rev : new String[] {"no-such-revision", "deadbeef", "HEAD~99"}) {
            HttpResponse<String> r = s.get("hist.txt?rev=" + rev);
            assertThat(r.statusCode()).as(rev + " -> " + r.body()).isEqualTo(404);
            assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        }
    }

    @Test
    void aPastStateCarriesItsOwnVersionAndTime() throws Exception {
        HttpResponse<String> first = s.put("old-time.txt", "first");
        String rev = first.headers().firstValue("X-Revision").orElseThrow();
        String etag = first.headers().firstValue("ETag").orElseThrow();
        Thread.sleep(1100);
        s.put("old-time.txt", "second");

        HttpResponse<String> past = s.get("old-time.txt?rev=" + rev);
        assertThat(past.statusCode()).as(past.body()).isEqualTo(200);
        assertThat(past.headers().firstValue("ETag")).contains(etag);
        long lastModified = ZonedDateTime.parse(past.headers().firstValue("Last-Modified").orElseThrow(),
                DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        assertThat(lastModified).as("Last-Modified of the past state").isEqualTo(Git.commitTime(s, rev));

        HttpResponse<String> pf = Dav.propfind(s, "old-time.txt?rev=" + rev, "0");
        assertThat(pf.statusCode()).as(pf.body()).isEqualTo(207);
        String lm = MultiStatus.parse(pf.body()).get("old-time.txt").text("getlastmodified");
        assertThat(ZonedDateTime.parse(lm, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond())
                .as("getlastmodified of the past state").isEqualTo(Git.commitTime(s, rev));
    }

    @Test
    void putWithRevIs405AndChangesNothing() throws Exception {
        int count = s.commitCount();
        HttpResponse<String> r = s.put("hist.txt?rev=" + rev1, "rewrite history");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(405);
        assertThat(s.commitCount()).isEqualTo(count);
        assertThat(s.get("hist.txt").body()).isEqualTo("third");
    }

    @Test
    void propfindWithRevListsThePastState() throws Exception {
        HttpResponse<String> r = Dav.propfind(s, "hist.txt?rev=" + rev1, "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(MultiStatus.parse(r.body()).get("hist.txt").text("getcontentlength")).isEqualTo("5");
    }
}
