package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** OPTIONS announces WebDAV class 1 and the methods (RFC 4918 §10.1, §18.1). */
class OptionsTest {
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

    @Test
    void optionsOnRepositoryAnnouncesClass1AndEveryClass1Method() throws Exception {
        HttpResponse<String> r = s.send("OPTIONS", "", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> dav = Arrays.stream(r.headers().firstValue("DAV").orElse("").split(",")).map(String::trim).toList();
        assertThat(dav).contains("1");
        List<String> allow = Arrays.stream(r.headers().firstValue("Allow").orElse("").split(",")).map(String::trim).toList();
        assertThat(allow).contains("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPFIND", "PROPPATCH");
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
    }

    @Test
    void optionsOnAFileAnswersLikewise() throws Exception {
        HttpResponse<String> r = s.send("OPTIONS", "README.md", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("DAV").orElse("")).contains("1");
        assertThat(r.headers().firstValue("Allow").orElse("")).contains("PROPFIND");
    }
}
