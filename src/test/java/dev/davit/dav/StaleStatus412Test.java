package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.MiniJson;
import dev.davit.testutil.TestServer;

/** With {@code conflict.stale.status=412}, stale answers are 412; the other conflicts stay 409. */
class StaleStatus412Test {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("conflict.stale.status", "412"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void staleIfMatchIs412WithTheSameBody() throws Exception {
        String old = s.put("a.txt", "v1").headers().firstValue("ETag").orElseThrow();
        String cur = s.put("a.txt", "v2").headers().firstValue("ETag").orElseThrow();
        int before = s.commitCount();
        HttpResponse<String> r = s.put("a.txt", "v3", "If-Match", old, "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(412);
        assertThat(r.headers().firstValue("ETag")).contains(cur);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        Map<String, Object> j = MiniJson.object(r.body());
        assertThat(j.get("error")).isEqualTo("stale");
        assertThat(s.commitCount()).isEqualTo(before);

        HttpResponse<String> del = Dav.delete(s, "a.txt", "If-Match", old);
        assertThat(del.statusCode()).as(del.body()).isEqualTo(412);
        assertThat(s.get("a.txt").body()).isEqualTo("v2");
    }

    @Test
    void ifNoneMatchStarOnAnExistingResourceIs412() throws Exception {
        s.put("b.txt", "x");
        HttpResponse<String> r = s.put("b.txt", "y", "If-None-Match", "*");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(412);
    }

    @Test
    void missingParentStays409() throws Exception {
        HttpResponse<String> r = s.put("nope/x.txt", "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    }
}
