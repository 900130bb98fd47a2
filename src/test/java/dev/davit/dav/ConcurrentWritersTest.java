package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** Many HTTP clients against the real server: no lost write, no lost update, one commit per write. */
class ConcurrentWritersTest {
    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void eightClientsPuttingDifferentFilesAllSucceedAndEachIsOneCommit() throws Exception {
        int clients = 8;
        int files = 20;
        try (TestServer s = TestServer.start(tmp)) {
            int before = s.commitCount();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<HttpResponse<String>>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    go.await();
                    List<HttpResponse<String>> mine = new ArrayList<>();
                    for (int i = 0; i < files; i++) {
                        mine.add(s.put("c" + client + "-f" + i + ".txt", "client " + client + " file " + i + "\n"));
                    }
                    return mine;
                }));
            }
            go.countDown();
            for (Future<List<HttpResponse<String>>> f : results) {
                for (HttpResponse<String> r : f.get(60, TimeUnit.SECONDS)) {
                    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                }
            }
            for (int c = 0; c < clients; c++) {
                for (int i = 0; i < files; i++) {
                    HttpResponse<String> get = s.get("c" + c + "-f" + i + ".txt");
                    assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
                    assertThat(get.body()).isEqualTo("client " + c + " file " + i + "\n");
                }
            }
            assertThat(s.commitCount()).isEqualTo(before + clients * files);
        }
    }

    @Test
    void twoClientsWithTheSameIfMatchNeverBothWin() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            HttpResponse<String> seed = s.put("race.txt", "v0\n");
            assertThat(seed.statusCode()).as(seed.body()).isEqualTo(201);
            for (int round = 0; round < 20; round++) {
                HttpResponse<String> get = s.get("race.txt");
                assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
                String etag = get.headers().firstValue("ETag").orElseThrow();
                int before = s.commitCount();

                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> puts = new ArrayList<>();
                List<String> bodies = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String body = "round " + round + " writer " + w + "\n";
                    bodies.add(body);
                    puts.add(pool.submit(() -> {
                        go.await();
                        return s.put("race.txt", body, "If-Match", etag);
                    }));
                }
                go.countDown();
                List<HttpResponse<String>> rs = new ArrayList<>();
                for (Future<HttpResponse<String>> f : puts) {
                    rs.add(f.get(30, TimeUnit.SECONDS));
                }
                List<Integer> statuses = rs.stream().map(HttpResponse::statusCode).sorted().toList();
                assertThat(statuses).as("round %d: %s / %s", round, rs.get(0).body(), rs.get(1).body()).containsExactly(204, 409);

                int winner = rs.get(0).statusCode() == 204 ? 0 : 1;
                HttpResponse<String> lost = rs.get(1 - winner);
                assertThat(lost.body()).as("the 409 says it is stale").contains("stale");
                assertThat(lost.headers().firstValue("ETag")).as(lost.body())
                        .hasValue(rs.get(winner).headers().firstValue("ETag").orElseThrow());
                assertThat(lost.headers().firstValue("X-Revision")).isPresent();

                HttpResponse<String> after = s.get("race.txt");
                assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
                assertThat(after.body()).as("round %d", round).isEqualTo(bodies.get(winner));
                assertThat(after.headers().firstValue("ETag")).isEqualTo(rs.get(winner).headers().firstValue("ETag"));
                assertThat(s.commitCount()).as("round %d", round).isEqualTo(before + 1);
            }
        }
    }
}
