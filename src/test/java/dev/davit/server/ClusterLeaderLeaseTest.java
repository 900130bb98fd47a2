package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.config.ConfigLoader;
import dev.davit.storage.NotFoundException;
import dev.davit.testutil.Conditions;
import dev.davit.testutil.TestServer;

/**
 * Reads after a partition: a leader that no longer hears from a majority still believes it leads until it steps
 * down (2 s), while the others may elect a leader (from 1 s) and acknowledge writes it has not seen. It must not
 * serve a read meanwhile: once its leader lease is over (0.9 s after the last heartbeats answered were sent) it
 * answers 503 with Retry-After, still believing it leads. Before the lease, reads through it were answered from
 * its state until the step-down.
 */
class ClusterLeaderLeaseTest {
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @TempDir
    Path tmp;

    private final List<DavitServer> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stop() throws Exception {
        for (DavitServer s : servers) {
            s.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(DavitServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "dav/demo/sample/" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aLeaderCutOffFromTheMajorityAnswers503ToReadsWhileItStillBelievesItLeads() throws Exception {
        Path sample = tmp.resolve("sample");
        Files.createDirectories(sample);
        Files.writeString(sample.resolve("README.md"), "# sample\n");
        List<Integer> httpPorts = List.of(freePort(), freePort(), freePort());
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            peers.append(i > 1 ? "," : "").append("n").append(i).append("@127.0.0.1:").append(freePort()).append(':')
                    .append(httpPorts.get(i - 1));
        }
        for (int i = 1; i <= 3; i++) {
            Properties p = new Properties();
            p.setProperty("server.bind", "127.0.0.1");
            p.setProperty("server.port", Integer.toString(httpPorts.get(i - 1)));
            p.setProperty("data.dir", tmp.resolve("n" + i).toString());
            p.setProperty("sample.repository", "demo/sample");
            p.setProperty("sample.source", sample.toString());
            p.setProperty("user.demo.password", TestServer.PASSWORD);
            p.setProperty("user.demo.access", "*:rw");
            p.setProperty("cluster.enabled", "true");
            p.setProperty("cluster.node.id", "n" + i);
            p.setProperty("cluster.peers", peers.toString());
            p.setProperty("cluster.secret", "a-test-secret-of-the-nodes");
            DavitServer s = new DavitServer(ConfigLoader.fromProperties(p));
            s.start();
            servers.add(s);
        }
        DavitServer[] found = new DavitServer[1];
        Conditions.await("a leader with the sample imported", DEADLINE_NANOS, () -> {
            for (DavitServer s : servers) {
                try {
                    if (s.cluster().servesLocally() && s.repositories().open("demo", "sample").headId() != null) {
                        found[0] = s;
                        return true;
                    }
                } catch (IOException | NotFoundException e) {
                    return false;
                }
            }
            return false;
        });
        DavitServer leader = found[0];
        HttpResponse<String> before = get(leader, "README.md");
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);

        for (DavitServer s : List.copyOf(servers)) {
            if (s != leader) {
                s.close();
                servers.remove(s);
            }
        }
        // Reads through the cut-off leader until it steps down. One answered while it believed it led both
        // before it was sent and after its answer came was answered by a node that believed it led throughout.
        int refusedWhileLeading = 0;
        int served = 0;
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (leader.cluster().servesLocally() && System.nanoTime() < end) {
            HttpResponse<String> r = get(leader, "README.md");
            boolean stillLeading = leader.cluster().servesLocally();
            if (r.statusCode() == 503 && stillLeading) {
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                refusedWhileLeading++;
            } else if (r.statusCode() == 200) {
                served++;
            } else {
                assertThat(r.statusCode()).as("a read through the cut-off leader: " + r.body()).isEqualTo(503);
            }
        }
        assertThat(leader.cluster().servesLocally()).as("the cut-off leader stepped down in the end").isFalse();
        assertThat(refusedWhileLeading).as("reads refused while the cut-off node still believed it led (" + served
                + " served, before its lease ended)").isPositive();
    }
}
