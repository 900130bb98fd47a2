package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

class SmokeTest {
    @TempDir
    Path tmp;

    @Test
    void putThenGetRoundTripsAndCommitsOnce() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            int before = s.commitCount();
            HttpResponse<String> put = s.put("a.txt", "hello");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            HttpResponse<String> get = s.get("a.txt");
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("hello");
            assertThat(get.headers().firstValue("X-Revision")).contains(s.head());
            assertThat(s.commitCount()).isEqualTo(before + 1);
            assertThat(s.commitMessages().get(0)).isEqualTo("PUT a.txt");
        }
    }
}
