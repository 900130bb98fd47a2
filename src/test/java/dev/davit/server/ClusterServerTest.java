package dev.davit.server;

import dev.davit.testutil.Conditions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.config.ConfigLoader;
import dev.davit.storage.NotFoundException;
import dev.davit.testutil.TestServer;
import dev.davit.testutil.FreePorts;

/**
 * Three real servers in cluster mode on loopback, spoken to over HTTP with a real client: any node takes any
 * request (the others forward it to the leader), a write through one node reads back through every node with
 * the same ETag and X-Revision, the 409 contract holds across nodes, and with no leader a node answers 503
 * with Retry-After.
 */
class ClusterServerTest {
    private final FreePorts ports = new FreePorts();
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @TempDir
    Path tmp;

    private final List<DavitServer> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Integer> httpPorts = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (DavitServer s : servers) {
            s.close();
        }
    }


    /** Starts {@code running} of three configured nodes. */
    private void start(int running) throws Exception {
        start(running, "10000");
    }

    /** Starts {@code running} of three configured nodes, with {@code cluster.commit.timeout.ms}. */
    private void start(int running, String commitTimeoutMillis) throws Exception {
        Path sample = tmp.resolve("sample");
        Files.createDirectories(sample);
        Files.writeString(sample.resolve("README.md"), "# sample\n");
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            int httpPort = ports.next();
            httpPorts.add(httpPort);
            peers.append(i > 1 ? "," : "").append("n").append(i).append("@127.0.0.1:").append(ports.next()).append(':').append(httpPort);
        }
        for (int i = 1; i <= running; i++) {
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
            p.setProperty("cluster.commit.timeout.ms", commitTimeoutMillis);
            DavitServer s = new DavitServer(ConfigLoader.fromProperties(p));
            s.start();
            servers.add(s);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Conditions.await(what, DEADLINE_NANOS, condition);
    }

    /** Waits until a node leads and has imported the sample repository. */
    private void awaitSample() {
        await("a leader with the sample imported", () -> {
            for (DavitServer s : servers) {
                if (s.cluster().servesLocally()) {
                    try {
                        return s.repositories().open("demo", "sample").headId() != null;
                    } catch (IOException | NotFoundException e) {
                        return false;
                    }
                }
            }
            return false;
        });
    }

    private HttpResponse<String> send(int node, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + "/dav/demo/sample/" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWriteThroughAnyNodeReadsBackThroughEveryNodeWithTheSameVersion() throws Exception {
        start(3);
        awaitSample();
        for (int node = 1; node <= 3; node++) {
            HttpResponse<String> put = send(node, "PUT", "from-" + node + ".txt", "written through n" + node);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            for (int reader = 1; reader <= 3; reader++) {
                HttpResponse<String> get = send(reader, "GET", "from-" + node + ".txt", null);
                assertThat(get.statusCode()).as("GET through n" + reader + ": " + get.body()).isEqualTo(200);
                assertThat(get.body()).isEqualTo("written through n" + node);
                assertThat(get.headers().firstValue("ETag")).isEqualTo(put.headers().firstValue("ETag"));
                assertThat(get.headers().firstValue("X-Revision")).isEqualTo(put.headers().firstValue("X-Revision"));
            }
        }
    }

    @Test
    void twoWritersWithTheSameIfMatchThroughTwoNodesExactlyOneWins() throws Exception {
        start(3);
        awaitSample();
        HttpResponse<String> first = send(1, "PUT", "race.txt", "v1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        String etag = first.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> a = send(2, "PUT", "race.txt", "from n2", "If-Match", etag);
        HttpResponse<String> b = send(3, "PUT", "race.txt", "from n3", "If-Match", etag);

        assertThat(a.statusCode()).as(a.body()).isEqualTo(204);
        assertThat(b.statusCode()).as(b.body()).isEqualTo(409);
        for (int reader = 1; reader <= 3; reader++) {
            assertThat(send(reader, "GET", "race.txt", null).body()).isEqualTo("from n2");
        }
    }

    @Test
    void aWriteWithoutAMajorityAnswers503NeverA2xx() throws Exception {
        start(3, "1000");
        awaitSample();
        DavitServer leader = servers.stream().filter(s -> s.cluster().servesLocally()).findFirst().orElseThrow();
        int node = servers.indexOf(leader) + 1;
        for (DavitServer s : servers) {
            if (s != leader) {
                s.close();
            }
        }
        servers.removeIf(s -> s != leader);

        HttpResponse<String> dav = send(node, "PUT", "alone.txt", "one node of three");
        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1)
                        + "/api/repos/demo/sample/contents/alone-rest.txt"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"message\":\"alone\",\"content\":\"YWxvbmU=\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(dav.statusCode()).as(dav.body()).isEqualTo(503);
        assertThat(dav.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(503);
        assertThat(rest.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(leader.repositories().open("demo", "sample").head().lookup(dev.davit.storage.RepoPath.parse("alone.txt")))
                .as("nothing of the refused write is published").isEmpty();
    }

    @Test
    void aLockTakenThroughOneNodeIsEnforcedByTheNextLeaderAfterTheLeaderIsGone() throws Exception {
        start(3);
        awaitSample();
        assertThat(send(1, "PUT", "locked.txt", "v1").statusCode()).isEqualTo(201);
        HttpResponse<String> lock = send(1, "LOCK", "locked.txt", dev.davit.testutil.Locks.lockInfo("exclusive", "<D:href>demo</D:href>"),
                "Content-Type", "application/xml; charset=utf-8", "Depth", "0");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);
        String token = dev.davit.testutil.Locks.token(lock);

        DavitServer leader = servers.stream().filter(s -> s.cluster().servesLocally()).findFirst().orElseThrow();
        leader.close();
        servers.remove(leader);
        await("a new leader", () -> servers.stream().anyMatch(s -> s.cluster().servesLocally()));
        int other = httpPorts.indexOf(servers.get(0).port()) + 1;

        HttpResponse<String> without = send(other, "PUT", "locked.txt", "no token");
        HttpResponse<String> with = send(other, "PUT", "locked.txt", "with the token", "If", dev.davit.testutil.Locks.ifToken(token));

        assertThat(without.statusCode()).as(without.body()).isEqualTo(409);
        assertThat(with.statusCode()).as(with.body()).isEqualTo(204);
        assertThat(send(other, "GET", "locked.txt", null).body()).isEqualTo("with the token");
    }

    @Test
    void withoutALeaderANodeAnswers503WithRetryAfter() throws Exception {
        start(1); // one of three: no majority, so no leader
        HttpResponse<String> get = send(1, "GET", "README.md", null);
        HttpResponse<String> put = send(1, "PUT", "new.txt", "no majority");

        assertThat(get.statusCode()).as(get.body()).isEqualTo(503);
        assertThat(get.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(503);
        assertThat(put.headers().firstValue("Retry-After")).hasValue("1");
    }

    private String gitUrl(int node) {
        return "http://127.0.0.1:" + httpPorts.get(node - 1) + "/git/demo/sample.git";
    }

    private int follower() {
        for (int i = 0; i < servers.size(); i++) {
            if (!servers.get(i).cluster().servesLocally()) {
                return httpPorts.indexOf(servers.get(i).port()) + 1;
            }
        }
        throw new AssertionError("no follower");
    }

    private static org.eclipse.jgit.revwalk.RevCommit commitFile(org.eclipse.jgit.api.Git git, String path, byte[] content) throws Exception {
        Path f = git.getRepository().getWorkTree().toPath().resolve(path);
        Files.write(f, content);
        git.add().addFilepattern(path).call();
        org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("Git User", "git@localhost");
        return git.commit().setMessage("pushed " + path).setAuthor(who).setCommitter(who).call();
    }

    private static org.eclipse.jgit.transport.RemoteRefUpdate pushMain(org.eclipse.jgit.api.Git git, String ref) throws Exception {
        Iterable<org.eclipse.jgit.transport.PushResult> results = git.push()
                .setCredentialsProvider(dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD))
                .setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:" + ref)).call();
        return results.iterator().next().getRemoteUpdate(ref);
    }

    private static org.eclipse.jgit.api.Git cloneFrom(String url, Path dir) throws Exception {
        return org.eclipse.jgit.api.Git.cloneRepository().setURI(url).setDirectory(dir.toFile())
                .setCredentialsProvider(dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD)).call();
    }

    /** Each running node's head of demo/sample, from its own repository (not through the leader). */
    private java.util.Set<String> heads() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (DavitServer s : servers) {
            try {
                org.eclipse.jgit.lib.ObjectId id = s.repositories().open("demo", "sample").headId();
                out.add(id == null ? "none" : id.name());
            } catch (IOException | NotFoundException e) {
                out.add("error " + e);
            }
        }
        return out;
    }

    @Test
    void aPushThroughAFollowerIsOnEveryNodeWithTheSameVersion() throws Exception {
        start(3);
        awaitSample();
        int node = follower();
        org.eclipse.jgit.revwalk.RevCommit pushed;
        try (org.eclipse.jgit.api.Git git = cloneFrom(gitUrl(node), tmp.resolve("clone"))) {
            pushed = commitFile(git, "pushed.txt", "pushed through a follower".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            org.eclipse.jgit.transport.RemoteRefUpdate u = pushMain(git, "refs/heads/main");
            assertThat(u.getStatus()).as(u.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
        }

        HttpResponse<String> first = send(1, "GET", "pushed.txt", null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Revision")).hasValue(pushed.name());
        for (int reader = 1; reader <= 3; reader++) {
            HttpResponse<String> get = send(reader, "GET", "pushed.txt", null);
            assertThat(get.statusCode()).as("GET through n" + reader + ": " + get.body()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("pushed through a follower");
            assertThat(get.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
            assertThat(get.headers().firstValue("X-Revision")).isEqualTo(first.headers().firstValue("X-Revision"));
            java.util.Collection<org.eclipse.jgit.lib.Ref> refs = org.eclipse.jgit.api.Git.lsRemoteRepository().setRemote(gitUrl(reader))
                    .setCredentialsProvider(dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD)).call();
            assertThat(refs).as("ls-remote through n" + reader)
                    .anySatisfy(r -> {
                        assertThat(r.getName()).isEqualTo("refs/heads/main");
                        assertThat(r.getObjectId()).isEqualTo(pushed);
                    });
        }
        // Every node's own repository, not only the leader that serves the reads, holds the pushed commit.
        await("every node at the pushed commit", () -> heads().equals(java.util.Set.of(pushed.name())));
        for (DavitServer s : servers) {
            try (org.eclipse.jgit.lib.ObjectReader r = s.repositories().open("demo", "sample").newReader()) {
                assertThat(new String(r.open(org.eclipse.jgit.treewalk.TreeWalk.forPath(r, "pushed.txt", pushed.getTree()).getObjectId(0)).getBytes(),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("pushed through a follower");
            }
        }
    }

    /** The leader answered once it applied the push: its disk has it at once, the others once they apply it. */
    private String refOnLeadersDisk(String ref) {
        return SampleRefs.onDisk(servers.stream().filter(s -> s.cluster().servesLocally()).findFirst().orElseThrow(), ref);
    }

    private void awaitRefEverywhere(String ref, String value) {
        await(ref + " at " + value + " on every node's disk", () -> servers.stream().allMatch(s -> SampleRefs.onDisk(s, ref).equals(value)));
    }

    private static org.eclipse.jgit.transport.RemoteRefUpdate push(org.eclipse.jgit.api.Git git, String spec) throws Exception {
        org.eclipse.jgit.transport.RefSpec refSpec = new org.eclipse.jgit.transport.RefSpec(spec);
        Iterable<org.eclipse.jgit.transport.PushResult> results = git.push()
                .setCredentialsProvider(dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD))
                .setRefSpecs(refSpec).call();
        return results.iterator().next().getRemoteUpdate(refSpec.getDestination());
    }

    /**
     * git users push feature branches and tags: in cluster mode each push is a record of the replicated log, on
     * every node's disk before git hears "ok" (a ref on the leader's disk alone would be lost with it), moved,
     * moved again and deleted through any node, and still there through the others once the leader is gone.
     */
    @Test
    void branchesAndTagsPushedThroughAFollowerAreOnEveryNodesDiskAndOutliveTheLeader() throws Exception {
        start(3);
        awaitSample();
        String main = send(1, "GET", "README.md", null).headers().firstValue("X-Revision").orElseThrow();
        org.eclipse.jgit.revwalk.RevCommit second;
        org.eclipse.jgit.lib.ObjectId tag;
        try (org.eclipse.jgit.api.Git git = cloneFrom(gitUrl(follower()), tmp.resolve("clone"))) {
            org.eclipse.jgit.revwalk.RevCommit first = commitFile(git, "feature.txt", "on a feature branch".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            org.eclipse.jgit.transport.RemoteRefUpdate branch = push(git, "HEAD:refs/heads/feature");
            assertThat(branch.getStatus()).as(branch.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
            assertThat(refOnLeadersDisk("refs/heads/feature")).as("once git heard ok").isEqualTo(first.name());
            awaitRefEverywhere("refs/heads/feature", first.name());

            tag = git.tag().setName("v1").setAnnotated(true).setMessage("the first release")
                    .setTagger(new org.eclipse.jgit.lib.PersonIdent("Git User", "git@localhost")).call().getObjectId();
            org.eclipse.jgit.transport.RemoteRefUpdate tagged = push(git, "refs/tags/v1:refs/tags/v1");
            assertThat(tagged.getStatus()).as(tagged.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
            assertThat(refOnLeadersDisk("refs/tags/v1")).isEqualTo(tag.name());
            awaitRefEverywhere("refs/tags/v1", tag.name());

            second = commitFile(git, "feature.txt", "the feature, later".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            org.eclipse.jgit.transport.RemoteRefUpdate moved = push(git, "HEAD:refs/heads/feature");
            assertThat(moved.getStatus()).as(moved.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
            assertThat(refOnLeadersDisk("refs/heads/feature")).isEqualTo(second.name());
            org.eclipse.jgit.transport.RemoteRefUpdate gone = push(git, ":refs/heads/gone");
            assertThat(gone.getStatus()).as("deleting a branch that is not there").isIn(
                    org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK, org.eclipse.jgit.transport.RemoteRefUpdate.Status.NON_EXISTING);
            org.eclipse.jgit.transport.RemoteRefUpdate dropped = push(git, ":refs/heads/feature");
            assertThat(dropped.getStatus()).as(dropped.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
            assertThat(refOnLeadersDisk("refs/heads/feature")).isEqualTo("none");
            awaitRefEverywhere("refs/heads/feature", "none");
            org.eclipse.jgit.transport.RemoteRefUpdate again = push(git, "HEAD:refs/heads/feature");
            assertThat(again.getStatus()).as(again.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.OK);
            awaitRefEverywhere("refs/heads/feature", second.name());

            org.eclipse.jgit.transport.RemoteRefUpdate notes = push(git, "HEAD:refs/notes/commits");
            assertThat(notes.getStatus()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.REJECTED_OTHER_REASON);
            assertThat(notes.getMessage()).contains("cluster mode replicates branches and tags only");
        }
        assertThat(heads()).as("main did not move").containsExactly(main);
        for (DavitServer s : servers) {
            try (org.eclipse.jgit.lib.ObjectReader r = s.repositories().open("demo", "sample").disk().newObjectReader()) {
                assertThat(new String(r.open(org.eclipse.jgit.treewalk.TreeWalk.forPath(r, "feature.txt", second.getTree()).getObjectId(0)).getBytes(),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("the feature, later");
                assertThat(r.open(tag).getType()).isEqualTo(org.eclipse.jgit.lib.Constants.OBJ_TAG);
            }
        }

        DavitServer leader = servers.stream().filter(s -> s.cluster().servesLocally()).findFirst().orElseThrow();
        leader.close();
        servers.remove(leader);
        int other = httpPorts.indexOf(servers.get(0).port()) + 1;
        await("a new leader that n" + other + " knows", () -> servers.stream().anyMatch(s -> s.cluster().servesLocally()
                && servers.get(0).cluster().leader() != null && servers.get(0).cluster().leader().id().equals(s.cluster().nodeId())));
        java.util.Map<String, org.eclipse.jgit.lib.ObjectId> refs = new java.util.HashMap<>();
        for (org.eclipse.jgit.lib.Ref r : org.eclipse.jgit.api.Git.lsRemoteRepository().setRemote(gitUrl(other))
                .setCredentialsProvider(dev.davit.testutil.GitClient.credentials(TestServer.USER, TestServer.PASSWORD)).call()) {
            refs.put(r.getName(), r.getObjectId());
        }
        assertThat(refs).as("ls-remote through n" + other + " after the leader's end")
                .containsEntry("refs/heads/feature", second.getId()).containsEntry("refs/tags/v1", tag);
    }

    @Test
    void aPushOverTheRecordLimitIsRefusedAndMovesNothing() throws Exception {
        start(3);
        awaitSample();
        String before = send(1, "GET", "README.md", null).headers().firstValue("X-Revision").orElseThrow();
        try (org.eclipse.jgit.api.Git git = cloneFrom(gitUrl(follower()), tmp.resolve("clone"))) {

            // Files over 1 MiB go beside the log (ClusterLargeFileTest); 17 files of 1 MiB are 17 MiB in one entry.
            java.util.Random random = new java.util.Random(17);
            for (int i = 0; i < 17; i++) {
                byte[] part = new byte[1 << 20];
                random.nextBytes(part); // incompressible: the record holds it whole
                commitFile(git, "big-" + i + ".bin", part);
            }
            org.eclipse.jgit.transport.RemoteRefUpdate tooBig = pushMain(git, "refs/heads/main");
            assertThat(tooBig.getStatus()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.REJECTED_OTHER_REASON);
            assertThat(tooBig.getMessage()).contains("at most 16 MiB");
        }
        assertThat(heads()).containsExactly(before);
        assertThat(send(2, "GET", "big-0.bin", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aPushWithoutAMajorityIsRefusedAndMovesNothing() throws Exception {
        start(3, "1000");
        awaitSample();
        DavitServer leader = servers.stream().filter(s -> s.cluster().servesLocally()).findFirst().orElseThrow();
        int node = servers.indexOf(leader) + 1;
        String before = leader.repositories().open("demo", "sample").headId().name();
        try (org.eclipse.jgit.api.Git git = cloneFrom(gitUrl(node), tmp.resolve("clone"))) {
            for (DavitServer s : servers) {
                if (s != leader) {
                    s.close();
                }
            }
            servers.removeIf(s -> s != leader);
            commitFile(git, "alone.txt", "one node of three".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            org.eclipse.jgit.transport.RemoteRefUpdate u;
            try {
                u = pushMain(git, "refs/heads/main");
            } catch (org.eclipse.jgit.api.errors.TransportException e) {
                u = null; // the leader stepped down meanwhile and answered 503: refused as well
            }
            if (u != null) {
                assertThat(u.getStatus()).as(u.getMessage()).isEqualTo(org.eclipse.jgit.transport.RemoteRefUpdate.Status.REJECTED_OTHER_REASON);
                assertThat(u.getMessage()).contains("not committed by the cluster");
            }
        }
        assertThat(leader.repositories().open("demo", "sample").headId().name()).as("the branch has not moved").isEqualTo(before);
        assertThat(leader.repositories().open("demo", "sample").disk().exactRef("refs/heads/main").getObjectId().name()).isEqualTo(before);
    }
}
