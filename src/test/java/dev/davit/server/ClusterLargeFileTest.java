package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.davit.testutil.TestServer;

/**
 * Files larger than one entry of the replicated log takes (16 MiB; a 40 MiB file here) are stored in cluster
 * mode: the leader ships each to a majority of nodes before the entry that names it, and a node that was down
 * meanwhile fetches it from another before it applies that entry. Before, such a PUT was refused (413), and so
 * was the final MOVE of a sync client's chunked upload of a big file. Checked on each node's own repository on
 * disk, not through HTTP (a follower forwards reads to the leader).
 */
class ClusterLargeFileTest extends ThreeNodeClusterTest {
    private static final int SIZE = 40 << 20;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private static byte[] content(int seed) {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >>> 13) + seed); // not all zeros: nothing stores it smaller than it is
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aFileOverOneLogEntrysLimitWrittenThroughAFollowerIsOnEveryNodesDisk() throws Exception {
        startCluster();
        cluster.awaitSample();
        int leader = cluster.leader();
        int follower = cluster.follower();
        cluster.leaderKnownBy(follower);
        byte[] big = content(1);

        HttpResponse<String> r = cluster.put(follower, "big.bin", big);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        ObjectId head = cluster.head(leader);
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.sha256OnDisk(n, head, "big.bin")).as("n" + n).isEqualTo(sha256(big));
        }
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(follower).port()
                        + "/dav/demo/sample/big.bin")).header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(sha256(get.body())).isEqualTo(sha256(big));

        // A copy places the same blob again: shipped again, the nodes that hold it answer before its bytes are sent.
        HttpResponse<String> copy = cluster.dav(follower, "COPY", "big.bin", null,
                "Destination", "http://127.0.0.1:" + cluster.node(follower).port() + "/dav/demo/sample/big-copy.bin");
        assertThat(copy.statusCode()).as(copy.body()).isEqualTo(201);
        ObjectId copied = cluster.head(leader);
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.sha256OnDisk(n, copied, "big-copy.bin")).as("n" + n).isEqualTo(sha256(big));
        }
    }

    @Test
    void aNodeThatWasDownWhenALargeFileWasWrittenFetchesItBeforeItAppliesTheWrite() throws Exception {
        startCluster();
        cluster.awaitSample();
        int leader = cluster.leader();
        int down = cluster.follower();
        cluster.stop(down);
        byte[] big = content(2);

        // The leader and the other follower are a majority: the file is shipped to that one alone.
        HttpResponse<String> r = cluster.put(leader, "while-down.bin", big);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        ObjectId head = cluster.head(leader);

        cluster.restart(down);
        assertThat(cluster.sha256OnDisk(down, head, "while-down.bin")).isEqualTo(sha256(big));
        assertThat(cluster.node(down).cluster().stoppedBecause()).as("the node applied the entry").isNull();
    }

    @Test
    void aPushOfALargeFileThroughAFollowerIsOnEveryNodesDisk() throws Exception {
        startCluster();
        cluster.awaitSample();
        int leader = cluster.leader();
        int follower = cluster.follower();
        cluster.leaderKnownBy(follower);
        byte[] big = content(3);
        String url = "http://127.0.0.1:" + cluster.node(follower).port() + "/git/demo/sample.git";
        org.eclipse.jgit.transport.CredentialsProvider login = dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD);

        try (org.eclipse.jgit.api.Git git = org.eclipse.jgit.api.Git.cloneRepository().setURI(url)
                .setDirectory(tmp.resolve("clone").toFile()).setCredentialsProvider(login).call()) {
            java.nio.file.Files.write(tmp.resolve("clone").resolve("pushed.bin"), big);
            git.add().addFilepattern("pushed.bin").call();
            org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("Git User", "git@localhost");
            git.commit().setMessage("a large file").setAuthor(who).setCommitter(who).call();
            org.eclipse.jgit.transport.RemoteRefUpdate u = git.push().setCredentialsProvider(login)
                    .setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/main")).call()
                    .iterator().next().getRemoteUpdate("refs/heads/main");
            assertThat(u.getStatus()).as(u.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
        }

        ObjectId head = cluster.head(leader);
        for (int n = 1; n <= 3; n++) {
            assertThat(cluster.sha256OnDisk(n, head, "pushed.bin")).as("n" + n).isEqualTo(sha256(big));
        }
    }

    private HttpResponse<String> peerBlob(int node, String method, String id, byte[] body, String secret) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(node).port()
                + "/cluster/blob/demo/sample/" + id)).timeout(Duration.ofSeconds(60));
        if (secret != null) {
            b.header("X-Davit-Cluster-Secret", secret);
        }
        return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBlobEndpointTakesOnlyTheBlobItNamesAndOnlyWithTheClustersSecret() throws Exception {
        startCluster();
        cluster.awaitSample();
        int follower = cluster.follower();
        byte[] bytes = "the bytes of one blob".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String id = new org.eclipse.jgit.lib.ObjectInserter.Formatter().idFor(org.eclipse.jgit.lib.Constants.OBJ_BLOB, bytes).name();
        String other = new org.eclipse.jgit.lib.ObjectInserter.Formatter().idFor(org.eclipse.jgit.lib.Constants.OBJ_BLOB, new byte[] {1}).name();
        String secret = "a-test-secret-of-the-nodes";

        HttpResponse<String> noSecret = peerBlob(follower, "PUT", id, bytes, null);
        assertThat(noSecret.statusCode()).as(noSecret.body()).isEqualTo(403);
        HttpResponse<String> wrong = peerBlob(follower, "PUT", other, bytes, secret);
        assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(400);
        assertThat(wrong.body()).contains("not " + other);
        HttpResponse<String> missing = peerBlob(follower, "GET", other, null, secret);
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        HttpResponse<String> notAnId = peerBlob(follower, "GET", "../../etc", null, secret);
        assertThat(notAnId.statusCode()).as(notAnId.body()).isEqualTo(404);

        HttpResponse<String> right = peerBlob(follower, "PUT", id, bytes, secret);
        assertThat(right.statusCode()).as(right.body()).isEqualTo(204);
        HttpResponse<String> back = peerBlob(follower, "GET", id, null, secret);
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(back.body()).isEqualTo("the bytes of one blob");
        HttpResponse<String> again = peerBlob(follower, "PUT", id, bytes, secret);
        assertThat(again.statusCode()).as("already there: " + again.body()).isEqualTo(204);
    }
}
