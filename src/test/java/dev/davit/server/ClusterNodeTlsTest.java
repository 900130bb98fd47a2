package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.davit.testutil.Keystores;

/**
 * Mutual TLS between the nodes ({@code cluster.tls.*}) with three real servers: each node's HTTP port in
 * {@code cluster.peers} is then the nodes' own HTTPS port, apart from the users' ports, and every path one node
 * talks to another goes over it with the nodes' certificate: a request forwarded to the leader, a large file
 * shipped beside the Raft log, a catch-up's snapshot, git fetch and state beside the history; {@code /cluster/}
 * answers there only. A client without the nodes' certificate gets nothing from that port.
 */
class ClusterNodeTlsTest extends ThreeNodeClusterTest {
    private static final String SECRET = "a-test-secret-of-the-nodes";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private void startWithTls() throws Exception {
        Path keys = Keystores.selfSigned(tmp.resolve("nodes.p12"), "nodes-pass", "davit-nodes");
        Properties tls = new Properties();
        tls.setProperty("cluster.tls.keystore", keys.toString());
        tls.setProperty("cluster.tls.keystore.password", "nodes-pass");
        // Small snapshots and log files: a few dozen writes trim the log past a stopped node (catch-up by fetching).
        tls.setProperty("cluster.snapshot.entries", "10");
        tls.setProperty("cluster.raft.segment.bytes", "65536");
        cluster = new ThreeNodeCluster(tmp, tls, true);
    }

    @Test
    void forwardedRequestsAndLargeFilesGoOverTheNodesOwnPortAndNobodyElseGetsIn() throws Exception {
        startWithTls();
        cluster.awaitSample();
        int leader = cluster.leader();
        int follower = cluster.follower();
        cluster.leaderKnownBy(follower);

        HttpResponse<String> small = cluster.put(follower, "forwarded.txt", "through a follower".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
        HttpResponse<String> get = cluster.dav(follower, "GET", "forwarded.txt", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("through a follower");
        byte[] big = new byte[3 << 20];
        new java.util.Random(3).nextBytes(big);
        HttpResponse<String> large = cluster.put(follower, "large.bin", big);
        assertThat(large.statusCode()).as(large.body()).isEqualTo(201);
        ObjectId head = cluster.head(leader);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(big));
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.sha256OnDisk(n, head, "large.bin")).as("n" + n).isEqualTo(sha);
        }

        // /cluster/ is not on the users' port, secret or not.
        HttpResponse<String> onUsersPort = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(leader).port()
                + "/cluster/snapshot")).header("X-Davit-Cluster-Secret", SECRET).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(onUsersPort.statusCode()).as(onUsersPort.body()).isEqualTo(404);
        // The nodes' port takes no plain HTTP and no TLS client without the nodes' certificate.
        URI nodes = URI.create("https://127.0.0.1:" + cluster.nodePort(leader) + "/cluster/snapshot");
        HttpClient stranger = Keystores.trustingClient(); // shows no certificate
        assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(nodes).header("X-Davit-Cluster-Secret", SECRET)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
                .as("a TLS client without a certificate").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.nodePort(leader) + "/cluster/snapshot"))
                .header("X-Davit-Cluster-Secret", SECRET).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
                .as("plain HTTP").isInstanceOf(IOException.class);
    }

    @Test
    void aNodeBehindTheTrimmedLogCatchesUpOverTheNodesOwnPort() throws Exception {
        startWithTls();
        cluster.awaitSample();
        int leader = cluster.leader();
        int down = cluster.follower();
        long appliedWhenStopped = cluster.node(down).cluster().appliedIndex();
        cluster.stop(down);

        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = cluster.put(leader, "f" + i + ".txt", ("file " + i + " ").repeat(512).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        ObjectId written = cluster.head(leader);
        ThreeNodeCluster.await("the leader's log trimmed past what the stopped node has", () -> {
            try {
                return cluster.node(leader).cluster().logStartIndex() > appliedWhenStopped + 1;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        long leadersSnapshot = cluster.node(leader).cluster().snapshotIndex();
        cluster.restart(down);
        ThreeNodeCluster.await("n" + down + " at the others' head", () -> written.equals(cluster.head(down)));
        // Caught up by fetching (snapshot, git, the state beside the history), not from the log.
        ThreeNodeCluster.await("n" + down + " with the leader's snapshot", () -> {
            try {
                return cluster.node(down).cluster().snapshotIndex() >= leadersSnapshot;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(cluster.sha256OnDisk(down, written, "f59.txt")).isEqualTo(cluster.sha256OnDisk(leader, written, "f59.txt"));
        assertThat(cluster.node(down).cluster().stoppedBecause()).isNull();
    }
}
