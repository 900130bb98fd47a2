package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.cluster.ClusterNode;
import dev.davit.config.DavitConfig;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.NoteKeeper;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.testutil.Conditions;
import dev.davit.testutil.FreePorts;

/**
 * Sync-client metadata in cluster mode, through a real replicated log (a Raft group of one node in this JVM):
 * a request's changes are one note, applied in the log's order; a folder MOVE is recorded as the deletes and
 * puts it amounts to, so a record applied twice changes nothing; after a restart the log is replayed and the
 * notes applied before are skipped (the files do not grow), and the ids are those given before.
 */
class ReplicatedClientMetadataTest {
    @TempDir
    Path tmp;

    private static RepoPath p(String s) throws Exception {
        return RepoPath.parse(s);
    }

    /** One node: its repositories, metadata and Raft member on {@code tmp}, started and leading. */
    private final class Node implements AutoCloseable {
        final Repositories repositories;
        final ClientMetadata metadata;
        final ClusterNode cluster;

        Node(DavitConfig.Cluster settings) throws Exception {
            this(settings, tmp);
        }

        Node(DavitConfig.Cluster settings, Path base) throws Exception {
            repositories = new Repositories(base.resolve("data"), true, 0);
            metadata = new ClientMetadata(true);
            repositories.keepNotes(ClientMetadata.NOTES, metadata);
            cluster = ClusterNode.start(settings, base.resolve("raft"), repositories, java.time.Clock.systemUTC(), () -> { });
            Conditions.await("the node leads", 60_000_000_000L, cluster::servesLocally);
        }

        @Override
        public void close() throws Exception {
            cluster.close();
            metadata.close();
            repositories.close();
        }
    }

    @Test
    void aRequestsChangesAreOneNoteReplayedAfterARestartWithoutBeingAppliedTwice() throws Exception {
        int port = new FreePorts().next();
        DavitConfig.Cluster settings = new DavitConfig.Cluster(true, "n1",
                List.of(new DavitConfig.Cluster.Peer("n1", "127.0.0.1", port, 1)), null, 30_000, "a-test-secret-of-the-nodes");
        ObjectId blob = ObjectId.fromString("1111111111111111111111111111111111111111");
        long a;
        long folder;
        String instance;
        Path gitDir;
        long idsBytes;
        try (Node n = new Node(settings)) {
            GitRepository repo = n.repositories.createIfMissing("o", "r", null, new Identity("A", "a@example.org"));
            gitDir = repo.gitDir();
            ClientMetadata.Repo m = n.metadata.of(repo);
            instance = m.instance();
            a = m.fileId(p("dir/a.txt"));
            folder = m.fileId(p("dir"));
            m.setClientTime(p("dir/a.txt"), blob, Instant.ofEpochSecond(1_600_000_000L));
            m.sync();
            m.moved(p("dir"), p("moved"));
            m.sync();

            assertThat(Files.readString(gitDir.resolve("davit-fileids"))).as("a MOVE as the deletes and puts it amounts to")
                    .doesNotContain("\nm\t").contains("\nd\tdir\n").contains("\np\tmoved/a.txt\t" + a + "\n");
            assertThat(m.fileId(p("moved/a.txt"))).isEqualTo(a);
            idsBytes = Files.size(gitDir.resolve("davit-fileids"));
        }

        try (Node n = new Node(settings)) {
            ClientMetadata.Repo m = n.metadata.of(n.repositories.open("o", "r"));
            assertThat(m.fileId(p("moved/a.txt"))).isEqualTo(a);
            assertThat(m.fileId(p("moved"))).isEqualTo(folder);
            assertThat(m.clientTime(p("moved/a.txt"), blob)).isEqualTo(Instant.ofEpochSecond(1_600_000_000L));
            assertThat(m.instance()).as("derived from the repository's name, the same on every node").isEqualTo(instance);
            assertThat(Files.size(gitDir.resolve("davit-fileids"))).as("the notes applied before the restart are skipped")
                    .isEqualTo(idsBytes);
            assertThat(m.fileId(p("new.txt"))).as("never given twice").isGreaterThan(Math.max(a, folder));
        }
    }

    private static DavitConfig.Cluster oneNode(String id) throws Exception {
        int port = new FreePorts().next();
        return new DavitConfig.Cluster(true, id, List.of(new DavitConfig.Cluster.Peer(id, "127.0.0.1", port, 1)), null,
                30_000, "a-test-secret-of-the-nodes");
    }

    private static java.util.Map<String, String> text(NoteKeeper.State s) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        s.files().forEach((k, v) -> out.put(k, new String(v, java.nio.charset.StandardCharsets.UTF_8)));
        return out;
    }

    /** A node that fell behind the log takes another node's metadata (ClusterCatchUpTest: over HTTP). */
    @Test
    void anotherNodesExportReplacesThisNodesMetadataWithItsIndexAndABadOneChangesNothing() throws Exception {
        ObjectId blob = ObjectId.fromString("1111111111111111111111111111111111111111");
        Identity who = new Identity("A", "a@example.org");
        try (Node a = new Node(oneNode("na"), tmp.resolve("a")); Node b = new Node(oneNode("nb"), tmp.resolve("b"))) {
            GitRepository ra = a.repositories.createIfMissing("o", "r", null, who);
            GitRepository rb = b.repositories.createIfMissing("o", "r", null, who);
            ClientMetadata.Repo ma = a.metadata.of(ra);
            long doc = ma.fileId(p("doc.txt"));
            ma.setClientTime(p("doc.txt"), blob, Instant.ofEpochSecond(1_600_000_000L));
            ma.sync();
            ClientMetadata.Repo old = b.metadata.of(rb);
            long onlyHere = old.fileId(p("only-on-b.txt"));
            old.fileId(p("also-only-on-b.txt"));
            old.sync();
            NoteKeeper.State before = b.metadata.export(rb);

            NoteKeeper.State leaders = a.metadata.export(ra);
            assertThat(leaders.index()).isPositive();
            assertThatThrownBy(() -> b.metadata.replace(rb, new NoteKeeper.State(leaders.index(),
                    java.util.Map.of("../../../escaped", "davit-pathlog 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))))
                    .isInstanceOf(java.io.IOException.class);
            java.util.Map<String, byte[]> damaged = new java.util.HashMap<>(leaders.files());
            damaged.put("davit-fileids", "not a path log".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThatThrownBy(() -> b.metadata.replace(rb, new NoteKeeper.State(leaders.index(), damaged)))
                    .isInstanceOf(java.io.IOException.class);
            assertThat(text(b.metadata.export(rb))).as("refused: nothing changed").isEqualTo(text(before));
            assertThat(Files.exists(tmp.resolve("b").resolve("escaped"))).isFalse();

            b.metadata.replace(rb, leaders);

            ClientMetadata.Repo now = b.metadata.of(rb);
            assertThat(now.pathOf(doc)).isEqualTo(p("doc.txt"));
            assertThat(now.clientTime(p("doc.txt"), blob)).isEqualTo(Instant.ofEpochSecond(1_600_000_000L));
            assertThat(now.pathOf(onlyHere + 1)).as("what only this node had is gone").isNull();
            NoteKeeper.State after = b.metadata.export(rb);
            assertThat(after.index()).isEqualTo(leaders.index());
            assertThat(text(after)).isEqualTo(text(leaders));
            assertThat(Files.readString(rb.gitDir().resolve("davit-clientmeta-applied")).trim())
                    .isEqualTo(Long.toString(leaders.index()));
            try (java.util.stream.Stream<Path> left = Files.list(rb.gitDir())) {
                assertThat(left.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains("incoming"));
            }
        }
    }

    @Test
    void theChangesOfAVeryLargeFirstListingGoInSeveralNotesCutBetweenRecords() {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            ids.append("p\tfolder/file-").append(i).append(".txt\t").append(i).append('\n');
        }
        String[] records = {ids.toString(), "p\ta.txt\t1 1600000000\n", "", ""};

        List<String[]> parts = ClientMetadata.parts(records);

        assertThat(parts).hasSizeGreaterThan(1);
        StringBuilder[] joined = {new StringBuilder(), new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (String[] part : parts) {
            long bytes = 0;
            for (int i = 0; i < 4; i++) {
                assertThat(part[i]).as("whole records").matches("(?s)(|.*\n)");
                joined[i].append(part[i]);
                bytes += part[i].getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
            assertThat(bytes).isLessThanOrEqualTo(ClientMetadata.MAX_NOTE_BYTES);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(joined[i].toString()).isEqualTo(records[i]);
        }
        assertThat(ClientMetadata.parts(new String[] {"", "", "", ""})).isEmpty();
    }

    @Test
    void absoluteRecordsAppliedTwiceInARowLeaveWhatTheyLeftOnce() throws Exception {
        PathLog made = new PathLog(tmp.resolve("made"), false, true);
        made.put("dir/a", "1");
        made.put("dir/sub/b", "2");
        made.put("other", "3");
        made.move("dir", "moved", true);
        made.move("other", "moved/sub", false);
        made.delete("moved/a");
        String records = made.drainPending();

        PathLog applied = new PathLog(tmp.resolve("applied"), false, true);
        applied.appendApplied(records, true);
        assertThat(applied.entries()).isEqualTo(made.entries());
        applied.appendApplied(records, true);
        assertThat(applied.entries()).as("applied twice").isEqualTo(made.entries());
        applied.close();
        assertThat(new PathLog(tmp.resolve("applied"), false, true).entries()).as("read back").isEqualTo(made.entries());
    }
}
