package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.config.ConfigLoader;
import dev.davit.testutil.TestServer;

/**
 * The warm-up before a server listens ({@link Warmup}) runs its requests on a scratch server of its own: each is
 * answered as a client's would be (or it warms an error path instead of the one clients take first), and nothing of
 * it is left: no repository, user, request count or scratch folder. How much faster the first clients are is the
 * benchmark's to measure, never a unit test's.
 */
class WarmupTest {
    @TempDir
    Path tmp;

    private DavitServer server(Path data) throws Exception {
        Properties p = new Properties();
        p.setProperty("server.bind", "127.0.0.1");
        p.setProperty("server.port", "0");
        p.setProperty("data.dir", data.toString());
        p.setProperty("storage.durable", "false");
        p.setProperty("user.demo.password", TestServer.PASSWORD);
        p.setProperty("user.demo.access", "*:rw");
        return new DavitServer(ConfigLoader.fromProperties(p));
    }

    private static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void everyWarmUpRequestIsAnsweredAsAClientsWouldBeAndNothingOfItStays() throws Exception {
        Path data = tmp.resolve("data");
        Path scratchParent = Files.createDirectories(tmp.resolve("scratch"));
        try (DavitServer s = server(data)) {
            List<String> before = list(data);
            Warmup.Result r = s.warmUp(() -> 0L, scratchParent); // a clock that stands still: every round runs
            assertThat(r.requests()).as("requests made").isGreaterThanOrEqualTo(Warmup.ROUNDS * 10);
            assertThat(r.unexpected()).as("requests not answered as expected").isZero();
            assertThat(list(scratchParent)).as("the scratch folder is removed").isEmpty();
            assertThat(list(data)).as("the server's data directory is as it was").isEqualTo(before);

            s.start();
            assertThat(s.metrics().render()).as("no request or commit counted")
                    .doesNotContain("davit_requests_total{").contains("davit_commits_total 0");
            HttpResponse<String> r2 = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(s.baseUrl() + "dav/warm/up/"))
                    .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                    .method("PROPFIND", HttpRequest.BodyPublishers.noBody()).header("Depth", "0").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r2.statusCode()).as("the scratch repository is not the server's: %s", r2.body()).isEqualTo(404);
        }
    }

    @Test
    void theWarmUpStopsAtItsTimeLimit() throws Exception {
        Path scratchParent = Files.createDirectories(tmp.resolve("scratch"));
        long[] now = {0};
        try (DavitServer s = server(tmp.resolve("data"))) {
            // a clock that is past the limit whenever it is read again: no request is made
            Warmup.Result r = s.warmUp(() -> now[0] += Warmup.DEADLINE_NANOS + 1, scratchParent);
            assertThat(r.requests()).isZero();
            assertThat(list(scratchParent)).isEmpty();
        }
    }
}
