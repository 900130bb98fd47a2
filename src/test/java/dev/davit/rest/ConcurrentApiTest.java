package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** Writers racing with the same sha: one wins, the others get 409; the same Idempotency-Key commits once. */
class ConcurrentApiTest {
    static final int WRITERS = 8;

    @TempDir
    Path tmp;
    TestServer s;
    Api api;
    ExecutorService pool;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
        api = new Api(s);
        pool = Executors.newFixedThreadPool(WRITERS);
    }

    @AfterEach
    void stop() throws Exception {
        pool.shutdownNow();
        s.close();
    }

    private List<HttpResponse<String>> race(Callable<HttpResponse<String>> writer) throws Exception {
        List<Future<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            fs.add(pool.submit(writer));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (Future<HttpResponse<String>> f : fs) {
            out.add(f.get());
        }
        return out;
    }

    @Test
    void oneWriterWinsTheSameSha() throws Exception {
        String sha = api.sha("README.md");
        int commits = s.commitCount();
        int[] n = {0};
        List<HttpResponse<String>> rs = race(() -> {
            int me;
            synchronized (n) {
                me = n[0]++;
            }
            return api.putFile("README.md", "writer " + me + "\n", sha);
        });
        long ok = rs.stream().filter(r -> r.statusCode() == 200).count();
        long stale = rs.stream().filter(r -> r.statusCode() == 409).count();
        assertThat(ok).as(rs.toString()).isEqualTo(1);
        assertThat(stale).as(rs.toString()).isEqualTo(WRITERS - 1);
        assertThat(s.commitCount()).isEqualTo(commits + 1);
        String winner = rs.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow().body();
        String won = Api.MAPPER.readTree(winner).get("content").get("sha").asText();
        assertThat(api.sha("README.md")).isEqualTo(won);
        // every loser is told the winner's blob, to fetch, merge and retry with
        rs.stream().filter(r -> r.statusCode() == 409).forEach(r -> {
            assertThat(Api.json(r).get("current").get("sha").asText()).isEqualTo(won);
            assertThat(Api.json(r).get("yours").get("sha").asText()).isEqualTo(sha);
        });
    }

    @Test
    void theSameKeyRacingCommitsOnce() throws Exception {
        int commits = s.commitCount();
        List<HttpResponse<String>> rs = race(() -> api.putFile("idem.txt", "x\n", null, "Idempotency-Key", "race-1"));
        assertThat(rs).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(201));
        assertThat(rs.stream().map(HttpResponse::body).distinct().count()).isEqualTo(1);
        assertThat(s.commitCount()).isEqualTo(commits + 1);
    }
}
