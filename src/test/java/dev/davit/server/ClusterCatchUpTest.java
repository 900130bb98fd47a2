package dev.davit.server;

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
import java.util.Map;
import java.util.TreeMap;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.config.ConfigLoader;
import dev.davit.lock.Lock;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.NoteKeeper;
import dev.davit.storage.RepoPath;
import dev.davit.testutil.Conditions;
import dev.davit.testutil.TestServer;
import dev.davit.testutil.FreePorts;

/**
 * Raft snapshots with three real servers (a snapshot every 10 entries, log files of 64 KiB, so a few dozen
 * writes trim the log): a node that was down while the others deleted the entries it lacks catches up by
 * fetching the leader's snapshot file and repositories over HTTP ({@code /cluster/}, guarded by
 * {@code cluster.secret}), and then holds every write and every lock with the same head as the others.
 */
class ClusterCatchUpTest {
    private final FreePorts ports = new FreePorts();
    private static final long DEADLINE_NANOS = 90_000_000_000L;
    private static final String SECRET = "a-test-secret-of-the-nodes";

    @TempDir
    Path tmp;

    private final DavitServer[] servers = new DavitServer[3];
    private final List<Integer> httpPorts = new ArrayList<>();
    private String peers;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stop() throws Exception {
        for (DavitServer s : servers) {
            if (s != null) {
                s.close();
            }
        }
    }


    private void configure() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            int httpPort = ports.next();
            httpPorts.add(httpPort);
            b.append(i > 1 ? "," : "").append("n").append(i).append("@127.0.0.1:").append(ports.next()).append(':').append(httpPort);
        }
        peers = b.toString();
        Path sample = tmp.resolve("sample");
        Files.createDirectories(sample);
        Files.writeString(sample.resolve("README.md"), "# sample\n");
    }

    /** Configures the three nodes and starts them all. */
    private void startAll() throws Exception {
        configure();
        for (int i = 1; i <= 3; i++) {
            start(i);
        }
    }

    /**
     * With node {@code down} stopped after applying {@code appliedWhenStopped}: 60 writes of ~4 KiB through the
     * leader (f0.txt to f59.txt), until the leader's log no longer holds what the stopped node lacks; then the node
     * is started again and waited for until it holds the leader's head and its snapshot (the catch-up moves the head
     * first and stores the leader's snapshot last, once everything is fetched; the node's own snapshot from before
     * it stopped may be past what it had applied, so it is not the one waited for).
     */
    private DavitServer writeUntilTrimmedAndRestart(DavitServer leader, int down, long appliedWhenStopped) throws Exception {
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = put(node(leader), "f" + i + ".txt", unique(i));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        ObjectId written = head(leader);
        await("the leader's log trimmed past what the stopped node has", () -> {
            try {
                return leader.cluster().logStartIndex() > appliedWhenStopped + 1;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long leadersSnapshot = leader.cluster().snapshotIndex();
        DavitServer back = start(down);
        await("n" + down + " at the others' head", () -> written.equals(head(back)));
        await("n" + down + " with the leader's snapshot", () -> {
            try {
                return back.cluster().snapshotIndex() >= leadersSnapshot;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return back;
    }

    /** Starts (or restarts, on its folder) node {@code i} (1-3). */
    private DavitServer start(int i) throws Exception {
        Properties p = new Properties();
        p.setProperty("server.bind", "127.0.0.1");
        p.setProperty("server.port", Integer.toString(httpPorts.get(i - 1)));
        p.setProperty("data.dir", tmp.resolve("n" + i).toString());
        p.setProperty("sample.repository", "demo/sample");
        p.setProperty("sample.source", tmp.resolve("sample").toString());
        p.setProperty("user.demo.password", TestServer.PASSWORD);
        p.setProperty("user.demo.access", "*:rw");
        p.setProperty("cluster.enabled", "true");
        p.setProperty("cluster.node.id", "n" + i);
        p.setProperty("cluster.peers", peers);
        p.setProperty("cluster.secret", SECRET);
        p.setProperty("cluster.snapshot.entries", "10");
        p.setProperty("cluster.raft.segment.bytes", "65536");
        DavitServer s = new DavitServer(ConfigLoader.fromProperties(p));
        s.start();
        servers[i - 1] = s;
        return s;
    }

    private static void await(String what, BooleanSupplier condition) {
        Conditions.await(what, DEADLINE_NANOS, condition);
    }

    private DavitServer awaitLeaderWithSample() {
        DavitServer[] found = new DavitServer[1];
        await("a leader with the sample imported", () -> {
            for (DavitServer s : servers) {
                try {
                    if (s != null && s.cluster().servesLocally() && s.repositories().open("demo", "sample").headId() != null) {
                        found[0] = s;
                        return true;
                    }
                } catch (IOException | NotFoundException e) {
                    return false;
                }
            }
            return false;
        });
        return found[0];
    }

    private int node(DavitServer s) {
        return httpPorts.indexOf(s.port()) + 1;
    }

    private HttpResponse<String> put(int node, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + "/dav/demo/sample/" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A WebDAV request to demo/sample through node {@code node}, with headers as name, value pairs. */
    private HttpResponse<String> dav(int node, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + "/dav/demo/sample/" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> snapshot(int node, String secret) throws Exception {
        return peerGet(node, "snapshot", secret);
    }

    private HttpResponse<byte[]> peerGet(int node, String what, String secret) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + "/cluster/" + what))
                .timeout(Duration.ofSeconds(60));
        if (secret != null) {
            b.header("X-Davit-Cluster-Secret", secret);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** About 4 KiB no other file has: every write is a log entry of a few KiB. */
    private static String unique(int i) {
        return ("file " + i + " ").repeat(512);
    }

    private static ObjectId head(DavitServer s) {
        try {
            return s.repositories().open("demo", "sample").headId();
        } catch (IOException | NotFoundException e) {
            return null;
        }
    }

    private static String onDisk(DavitServer s, String path) throws Exception {
        GitRepository repo = s.repositories().open("demo", "sample");
        try (ObjectReader reader = repo.jgit().newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            TreeWalk tw = TreeWalk.forPath(reader, path, rw.parseCommit(repo.disk().resolve(GitRepository.BRANCH)).getTree());
            return tw == null ? null : new String(reader.open(tw.getObjectId(0)).getBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void aNodeBehindTheTrimmedLogFetchesTheLeadersStateAndHoldsEveryWriteAndLock() throws Exception {
        startAll();
        DavitServer leader = awaitLeaderWithSample();
        int down = node(leader) % 3 + 1;
        // Branches and tags pushed with git: one the node has when it stops, dropped while it is down.
        GitRepository pushedTo = leader.repositories().open("demo", "sample");
        ObjectId tip = pushedTo.headId();
        assertThat(pushedTo.pushRefReplicated("refs/heads/old", null, tip)).isTrue();
        await("refs/heads/old on n" + down, () -> tip.name().equals(SampleRefs.onDisk(servers[down - 1], "refs/heads/old")));
        long appliedWhenStopped = servers[down - 1].cluster().appliedIndex();
        servers[down - 1].close();
        servers[down - 1] = null;

        // While it is down: a lock, a branch, a tag, the other branch deleted, 60 writes, and the two others trim
        // their logs past what it has.
        Lock lock = leader.locks().create(new Lock("opaquelocktoken:catch-up-test", "demo/sample", "locked.txt",
                Lock.Scope.EXCLUSIVE, false, TestServer.USER, "", 3600, java.time.Instant.now().plusSeconds(3600), false));
        assertThat(pushedTo.pushRefReplicated("refs/heads/feature", null, tip)).isTrue();
        assertThat(pushedTo.pushRefReplicated("refs/tags/v1", ObjectId.zeroId(), tip)).isTrue();
        assertThat(pushedTo.pushRefReplicated("refs/heads/old", tip, ObjectId.zeroId())).isTrue();
        DavitServer back = writeUntilTrimmedAndRestart(leader, down, appliedWhenStopped);
        back.repositories().open("demo", "sample").applyToDisk();
        assertThat(SampleRefs.onDisk(back, "refs/heads/feature")).as("a branch pushed while n" + down + " was down").isEqualTo(tip.name());
        assertThat(SampleRefs.onDisk(back, "refs/tags/v1")).as("a tag pushed while n" + down + " was down").isEqualTo(tip.name());
        assertThat(SampleRefs.onDisk(back, "refs/heads/old")).as("a branch deleted while n" + down + " was down").isEqualTo("none");
        for (int i = 0; i < 60; i += 7) {
            assertThat(onDisk(back, "f" + i + ".txt")).as("f" + i + ".txt on n" + down + "'s disk").isEqualTo(unique(i));
        }
        assertThat(onDisk(back, "f59.txt")).isEqualTo(unique(59));
        // The locks come with the snapshot file, taken once the repositories are fetched.
        await("the lock on n" + down, () -> back.locks().get("demo/sample", lock.token()).isPresent());
        assertThat(back.locks().get("demo/sample", lock.token())).as("the lock on n" + down).contains(lock);
        // And it takes part again: a write now reaches its disk with the others'.
        HttpResponse<String> after = put(down, "after.txt", "after the catch-up");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(201);
        ObjectId now = head(servers[node(leader) - 1]);
        await("n" + down + " at the head after the catch-up", () -> now.equals(head(back)));
    }

    /**
     * interop/cluster.sh in CI: the leader was killed between two writes, so its log ended where its term ended,
     * and the next leader's log starts a new file there (Ratis starts one with each term). Once that leader
     * deleted the old term's files after a snapshot, its log started right after the stopped node's last entry,
     * whose term it no longer knew: Ratis 3.2.2 could then neither send the node entries (its appender failed
     * on the missing previous entry, RATIS-2487) nor tell it to fetch a snapshot (the node was not behind the
     * log's start), and the node, back, stayed behind and without a leader for good.
     */
    @Test
    void aStoppedLeaderWhoseLogEndsWhereTheNextLeadersLogStartsCatchesUp() throws Exception {
        startAll();
        DavitServer first = awaitLeaderWithSample();
        int old = node(first);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = put(old, "a" + i + ".txt", "before " + i);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        ObjectId before = head(first);
        await("every node at the first leader's head", () -> {
            for (DavitServer s : servers) {
                if (!before.equals(head(s))) {
                    return false;
                }
            }
            return true;
        });
        // And the same log on every node (Ratis' own entries after the writes too), so the stopped node has no
        // entry the others lack: the next leader's first entry follows its last.
        await("every node's log at the same last entry", () -> {
            try {
                long end = first.cluster().logLastIndex();
                for (DavitServer s : servers) {
                    if (s.cluster().logLastIndex() != end) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long last = first.cluster().logLastIndex();
        first.close();
        servers[old - 1] = null;

        DavitServer leader = awaitLeaderWithSample();
        // Small writes: they stay in the new term's first log file (64 KiB), which is open and never deleted,
        // while the snapshots after them let the leader delete the files of the old term.
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = put(node(leader), "b" + i + ".txt", "after " + i);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        ObjectId written = head(leader);
        await("the new leader's log trimmed to the start of its term", () -> {
            try {
                return leader.cluster().logStartIndex() > last;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(leader.cluster().logStartIndex()).as("the new leader's log starts right after the stopped node's last entry")
                .isEqualTo(last + 1);

        DavitServer back = start(old);
        await("n" + old + " at the others' head", () -> written.equals(head(back)));
        HttpResponse<String> after = put(old, "after.txt", "through the node that came back");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(201);
    }

    @Test
    void theSnapshotEndpointAnswersOnlyWithTheClustersSecretAndIsEachNodesOwn() throws Exception {
        startAll();
        DavitServer leader = awaitLeaderWithSample();
        for (int i = 0; i < 15; i++) {
            assertThat(put(node(leader), "f" + i + ".txt", unique(i)).statusCode()).isEqualTo(201);
        }
        int follower = node(leader) % 3 + 1;
        ObjectId written = head(leader);
        await("n" + follower + " at the leader's head", () -> written.equals(head(servers[follower - 1])));
        await("a snapshot on n" + follower, () -> {
            try {
                return servers[follower - 1].cluster().snapshotIndex() > 0;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        HttpResponse<byte[]> none = snapshot(follower, null);
        HttpResponse<byte[]> wrong = snapshot(follower, "not-the-secret-of-the-nodes");
        HttpResponse<byte[]> right = snapshot(follower, SECRET);

        assertThat(none.statusCode()).as(new String(none.body())).isEqualTo(403);
        assertThat(wrong.statusCode()).as(new String(wrong.body())).isEqualTo(403);
        assertThat(right.statusCode()).isEqualTo(200);
        // Answered by the follower itself, not forwarded: its own latest snapshot file.
        assertThat(right.body()).isEqualTo(Files.readAllBytes(latestSnapshotFile(follower)));

        // The files kept aside and notes of a repository: the same guard.
        HttpResponse<byte[]> sideNone = peerGet(follower, "side/demo/sample", null);
        HttpResponse<byte[]> sideWrong = peerGet(follower, "side/demo/sample", "not-the-secret-of-the-nodes");
        HttpResponse<byte[]> sideRight = peerGet(follower, "side/demo/sample", SECRET);
        HttpResponse<byte[]> sideMissing = peerGet(follower, "side/demo/no-such-repository", SECRET);
        assertThat(sideNone.statusCode()).as(new String(sideNone.body())).isEqualTo(403);
        assertThat(new String(sideNone.body())).doesNotContain("manifest");
        assertThat(sideWrong.statusCode()).as(new String(sideWrong.body())).isEqualTo(403);
        assertThat(sideRight.statusCode()).as(new String(sideRight.body())).isEqualTo(200);
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(sideRight.body()))) {
            assertThat(zip.getNextEntry().getName()).isEqualTo("manifest.json");
        }
        assertThat(sideMissing.statusCode()).as(new String(sideMissing.body())).isEqualTo(404);
    }

    private static final String DEAD_PROPERTY = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:x-davit-test\"><D:set><D:prop><Z:colour>blue</Z:colour>"
            + "</D:prop></D:set></D:propertyupdate>";

    /** A repository's note keepers' state on one node's own stores, as text, with each kind's index. */
    private static Map<String, String> notes(GitRepository repo, DavitServer s) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, NoteKeeper.State> k : s.repositories().exportNotes(repo).entrySet()) {
            out.put(k.getKey() + " index", Long.toString(k.getValue().index()));
            k.getValue().files().forEach((f, b) -> out.put(k.getKey() + " " + f, new String(b, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    /**
     * The files kept aside and the sync-client metadata are kept beside the repositories, not in git: a node that
     * caught up from a snapshot fetches them too (before, it had only those made after the snapshot), with the index
     * of the last entry they hold, so the entries after the snapshot neither apply again nor go missing.
     */
    @Test
    void aNodeBehindTheTrimmedLogHoldsTheLeadersFilesKeptAsideAndSyncClientMetadataAndAppliesTheNextChangeOnce() throws Exception {
        startAll();
        DavitServer leader = awaitLeaderWithSample();
        int through = node(leader);
        int down = through % 3 + 1;
        long appliedWhenStopped = servers[down - 1].cluster().appliedIndex();
        servers[down - 1].close();
        servers[down - 1] = null;

        // While it is down, before the writes that trim the log: junk, its dead property, a sync client's file.
        HttpResponse<String> junk = dav(through, "PUT", ".DS_Store", "Bud1 finder junk");
        assertThat(junk.statusCode()).as(junk.body()).isEqualTo(201);
        HttpResponse<String> appleDouble = dav(through, "PUT", "._notes.txt", "\u0000\u0005\u0016\u0007 apple double");
        assertThat(appleDouble.statusCode()).as(appleDouble.body()).isEqualTo(201);
        HttpResponse<String> patched = dav(through, "PROPPATCH", "._notes.txt", DEAD_PROPERTY, "Content-Type", "application/xml");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(207);
        assertThat(patched.body()).contains("200");
        HttpResponse<String> synced = dav(through, "PUT", "synced.txt", "from a sync client", "X-OC-Mtime", "1600000000");
        assertThat(synced.statusCode()).as(synced.body()).isEqualTo(201);
        assertThat(synced.headers().firstValue("OC-FileId")).isPresent();
        DavitServer back = writeUntilTrimmedAndRestart(leader, down, appliedWhenStopped);

        // On its own stores (not through the leader): what the leader has, as the leader has it.
        GitRepository mine = back.repositories().open("demo", "sample");
        GitRepository theirs = leader.repositories().open("demo", "sample");
        for (String f : List.of(".DS_Store", "._notes.txt")) {
            assertThat(mine.sideFiles().get(RepoPath.parse(f))).as(f + " kept aside on n" + down).isPresent()
                    .isEqualTo(theirs.sideFiles().get(RepoPath.parse(f)));
        }
        assertThat(mine.sideFiles().metadata(RepoPath.parse("._notes.txt")).map(String::new)).as("its dead property")
                .hasValueSatisfying(d -> assertThat(d).contains("colour").contains("blue"))
                .isEqualTo(theirs.sideFiles().metadata(RepoPath.parse("._notes.txt")).map(String::new));
        assertThat(mine.sideFiles().appliedIndex()).isEqualTo(theirs.sideFiles().appliedIndex()).isPositive();
        Map<String, String> notes = notes(mine, back);
        assertThat(notes.get("dav.client-metadata davit-fileids")).as("the file id given through the leader")
                .contains("synced.txt");
        assertThat(notes.get("dav.client-metadata davit-mtimes")).as("the client's time").contains("synced.txt").contains("1600000000");
        assertThat(notes).isEqualTo(notes(theirs, leader));

        // The next change through the leader is applied on the node that came back, once.
        long sideBefore = mine.sideFiles().appliedIndex();
        HttpResponse<String> again = dav(through, "PUT", ".DS_Store", "Bud1 after the catch-up");
        assertThat(again.statusCode()).as(again.body()).isIn(201, 204);
        await("the next change on n" + down, () -> {
            try {
                return mine.sideFiles().appliedIndex() == theirs.sideFiles().appliedIndex();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(mine.sideFiles().appliedIndex()).isGreaterThan(sideBefore);
        assertThat(mine.sideFiles().get(RepoPath.parse(".DS_Store"))).isEqualTo(theirs.sideFiles().get(RepoPath.parse(".DS_Store")));
        try (java.io.InputStream in = mine.sideFiles().open(RepoPath.parse(".DS_Store"))) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("Bud1 after the catch-up");
        }
        assertThat(mine.sideFiles().get(RepoPath.parse("._notes.txt"))).isEqualTo(theirs.sideFiles().get(RepoPath.parse("._notes.txt")));
        HttpResponse<String> more = dav(through, "PUT", "synced-after.txt", "later", "X-OC-Mtime", "1600000001");
        assertThat(more.statusCode()).as(more.body()).isEqualTo(201);
        await("the next note on n" + down, () -> {
            try {
                return notes(mine, back).equals(notes(theirs, leader));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(notes(mine, back).get("dav.client-metadata davit-fileids")).contains("synced-after.txt");
    }

    /** The newest snapshot file in node {@code i}'s Raft storage. */
    private Path latestSnapshotFile(int i) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(tmp.resolve("n" + i).resolve(".davit").resolve("raft"))) {
            return files.filter(f -> f.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                    .max(java.util.Comparator.comparingLong(f -> Long.parseLong(f.getFileName().toString().replaceAll(".*_", ""))))
                    .orElseThrow();
        }
    }
}
