package dev.davit.storage;

import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * The files kept aside as cluster mode changes them: each change applied in the log's order as of the
 * leader's time, a change the store applied before (the log is replayed at each start) skipped by its index,
 * kept across a reopen, and every change giving the same files when applied twice in a row (a crash between a
 * change and the note of its index).
 */
class SideFilesApplyTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path tmp;

    private Path root() {
        return tmp.resolve("davit-side");
    }

    private static SideFiles.Change put(String path, String content, Instant at) {
        return new SideFiles.Change(SideFiles.Change.Op.PUT, p(path), null, content.getBytes(StandardCharsets.UTF_8), at.toEpochMilli());
    }

    private static SideFiles.Change change(SideFiles.Change.Op op, String path, String to, String bytes) {
        return new SideFiles.Change(op, p(path), to == null ? null : p(to),
                bytes == null ? null : bytes.getBytes(StandardCharsets.UTF_8), T.toEpochMilli());
    }

    private static String read(SideFiles files, String path) throws IOException {
        try (InputStream in = files.open(p(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every file under the store (kept-aside files and their properties) with its content. */
    private Map<String, String> everything() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root())) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.put(root().relativize(f).toString(), Files.readString(f));
            }
        }
        return out;
    }

    @Test
    void aChangeAtOrBelowTheLastAppliedIndexChangesNothingEvenAfterAReopen() throws Exception {
        SideFiles files = new SideFiles(root(), false);
        assertThat(files.apply(put(".DS_Store", "v1", T), 5)).isTrue();
        files.apply(put(".DS_Store", "v2", T), 6);

        assertThat(files.apply(put(".DS_Store", "v1", T), 5)).isFalse();
        assertThat(files.apply(change(SideFiles.Change.Op.DELETE, ".DS_Store", null, null), 6)).isFalse();
        assertThat(read(files, ".DS_Store")).isEqualTo("v2");

        SideFiles reopened = new SideFiles(root(), false);
        reopened.apply(put(".DS_Store", "v1", T), 6);
        assertThat(read(reopened, ".DS_Store")).as("the log replayed at a start").isEqualTo("v2");
        reopened.apply(put(".DS_Store", "v3", T), 7);
        assertThat(read(reopened, ".DS_Store")).isEqualTo("v3");
    }

    @Test
    void everyChangeAppliedTwiceInARowLeavesTheSameFiles() throws Exception {
        SideFiles.Change[] changes = {
            put("a/._x", "x", T),
            change(SideFiles.Change.Op.SET_METADATA, "a/._x", null, "<props/>"),
            change(SideFiles.Change.Op.COPY, "a/._x", "a/._y", null),
            change(SideFiles.Change.Op.MOVE, "a", "b", null),
            change(SideFiles.Change.Op.DELETE, "b/._y", null, null),
            change(SideFiles.Change.Op.SET_METADATA, "b/._x", null, null),
            change(SideFiles.Change.Op.DELETE_TREE, "b", null, null),
        };
        Files.createDirectories(root());
        long index = 0;
        for (SideFiles.Change c : changes) {
            index++;
            new SideFiles(root(), false).apply(c, index);
            Map<String, String> once = everything();
            // As after a crash that left the index of the change before: the change is applied once more.
            Files.writeString(tmp.resolve("davit-side-applied"), (index - 1) + "\n");
            new SideFiles(root(), false).apply(c, index);
            assertThat(everything()).as("after " + c.op() + " twice").isEqualTo(once);
        }
        assertThat(everything()).isEmpty();
    }

    @Test
    void whatAChangeWritesHasTheLeadersTimeOfItsEntry() throws Exception {
        SideFiles files = new SideFiles(root(), false);
        files.apply(put("Thumbs.db", "t", T), 1);
        Instant later = T.plusSeconds(3600);
        files.apply(new SideFiles.Change(SideFiles.Change.Op.COPY, p("Thumbs.db"), p("thumbs.db~"), null, later.toEpochMilli()), 2);

        assertThat(files.get(p("Thumbs.db")).orElseThrow().modified()).isEqualTo(T);
        assertThat(files.get(p("thumbs.db~")).orElseThrow().modified()).isEqualTo(later);
    }

    @Test
    void aChangeWhoseSourceAnEarlierEntryRemovedDoesNothing() throws Exception {
        SideFiles files = new SideFiles(root(), false);
        files.apply(change(SideFiles.Change.Op.COPY, "._gone", "._copy", null), 1);
        files.apply(change(SideFiles.Change.Op.MOVE, "._gone", "._moved", null), 2);
        files.apply(change(SideFiles.Change.Op.SET_METADATA, "._gone", null, "<props/>"), 3);
        assertThat(files.apply(change(SideFiles.Change.Op.DELETE, "._gone", null, null), 4)).isFalse();

        assertThat(everything()).isEmpty();
    }

    @Test
    void inClusterModeAFileLargerThanAnEntryHoldsIsRefusedAndNothingIsKept() throws Exception {
        SideFiles files = new SideFiles(root(), false);
        long[] index = {0};
        files.replicate(new SideFiles.Replication() {
            @Override
            public boolean commit(SideFiles.Change change) throws IOException {
                return files.apply(change.at(T.toEpochMilli()), ++index[0]); // a log of one node, in order
            }

            @Override
            public long maxBytes() {
                return 10;
            }
        });

        assertThatThrownBy(() -> files.put(p("._big"), new ByteArrayInputStream(new byte[11])))
                .isInstanceOf(WriteTooLargeException.class).hasMessageContaining("at most");
        assertThat(files.get(p("._big"))).isEmpty();
        SideFiles.SideFile small = files.put(p("._small"), new ByteArrayInputStream(new byte[10]));
        assertThat(small.size()).isEqualTo(10);
        assertThat(small.modified()).isEqualTo(T);
        assertThat(files.delete(p("._small"))).isTrue();
        assertThat(files.delete(p("._small"))).isFalse();
        assertThat(index[0]).as("one entry for the PUT, one for the DELETE, none for nothing to delete").isEqualTo(2);
    }

    /** Node A's copy (an export) put in place of node B's files, as a node that fell behind the log does. */
    private static void copy(SideFiles from, SideFiles to) throws IOException {
        try (SideFiles.Exported e = from.export(); SideFiles.Replacement r = to.replacement()) {
            for (SideFiles.Kept k : e.files()) {
                try (InputStream in = Files.newInputStream(k.content())) {
                    r.file(k.path(), in, k.modified());
                }
                if (k.properties() != null) {
                    try (InputStream in = Files.newInputStream(k.properties())) {
                        r.properties(k.path(), in, k.propertiesModified());
                    }
                }
            }
            r.commit(e.index());
        }
    }

    @Test
    void anotherNodesCopyReplacesEveryFileWithItsTimeAndIndexAndTheChangesAfterItApplyOnce() throws Exception {
        SideFiles leader = new SideFiles(tmp.resolve("a").resolve("davit-side"), false);
        leader.apply(put(".DS_Store", "leader's", T), 3);
        leader.apply(put("docs/._x", "apple double", T.plusSeconds(5)), 5);
        leader.apply(change(SideFiles.Change.Op.SET_METADATA, "docs/._x", null, "<props/>"), 6);
        leader.apply(put("gone.tmp", "deleted later", T), 7);
        leader.apply(change(SideFiles.Change.Op.DELETE, "gone.tmp", null, null), 8);
        Path behindRoot = tmp.resolve("b").resolve("davit-side");
        SideFiles behind = new SideFiles(behindRoot, false);
        behind.apply(put(".DS_Store", "old", T), 3);
        behind.apply(put("only-here.tmp", "a change the leader deleted later", T), 4);

        copy(leader, behind);

        assertThat(behind.appliedIndex()).isEqualTo(8);
        assertThat(read(behind, ".DS_Store")).isEqualTo("leader's");
        assertThat(behind.get(p(".DS_Store"))).isEqualTo(leader.get(p(".DS_Store")));
        assertThat(behind.get(p("docs/._x"))).isEqualTo(leader.get(p("docs/._x")));
        assertThat(behind.get(p("docs/._x")).orElseThrow().modified()).isEqualTo(T.plusSeconds(5));
        assertThat(behind.metadata(p("docs/._x")).map(String::new)).hasValue("<props/>");
        assertThat(behind.has(p("only-here.tmp"))).as("what only the node behind had is gone").isFalse();
        assertThat(behind.has(p("gone.tmp"))).isFalse();
        try (Stream<Path> left = Files.list(behindRoot.getParent())) {
            assertThat(left.map(f -> f.getFileName().toString()).toList())
                    .as("no staging or export left").containsExactlyInAnyOrder("davit-side", "davit-side-applied");
        }

        // The log goes on from the leader's snapshot (index 5 here): what the copy holds is skipped, the rest applied.
        assertThat(behind.apply(put(".DS_Store", "applied twice?", T), 8)).isFalse();
        assertThat(read(behind, ".DS_Store")).isEqualTo("leader's");
        behind.apply(put(".DS_Store", "after the copy", T), 9);
        assertThat(read(behind, ".DS_Store")).isEqualTo("after the copy");
        SideFiles reopened = new SideFiles(behindRoot, false);
        assertThat(reopened.appliedIndex()).as("kept across a restart").isEqualTo(9);
        assertThat(reopened.apply(put(".DS_Store", "replayed", T), 9)).isFalse();
    }

    @Test
    void aCopyACrashInterruptedIsFinishedOnceCommittedAndDroppedBefore() throws Exception {
        SideFiles leader = new SideFiles(tmp.resolve("a").resolve("davit-side"), false);
        leader.apply(put(".DS_Store", "new", T), 10);
        Path root = tmp.resolve("b").resolve("davit-side");
        SideFiles behind = new SideFiles(root, false);
        behind.apply(put(".DS_Store", "old", T), 2);

        // Staged but not committed (a crash while the files came): the old files stay.
        SideFiles.Replacement unfinished = behind.replacement();
        unfinished.file(p(".DS_Store"), new ByteArrayInputStream("half".getBytes(StandardCharsets.UTF_8)), T);
        assertThat(read(new SideFiles(root, false), ".DS_Store")).isEqualTo("old");
        assertThat(new SideFiles(root, false).appliedIndex()).isEqualTo(2);

        // Committed (the staging renamed to .ready) but a crash before every name was moved: finished at open.
        copy(leader, behind);
        Path ready = tmp.resolve("b").resolve("davit-side-incoming.ready");
        Files.createDirectories(ready);
        Files.move(root, ready.resolve("davit-side"));
        Files.writeString(ready.resolve("davit-side-applied"), "12\n");
        Files.createDirectories(root.resolve("stale"));
        Files.writeString(root.resolve("stale").resolve("half-deleted"), "old");
        SideFiles reopened = new SideFiles(root, false);
        assertThat(read(reopened, ".DS_Store")).isEqualTo("new");
        assertThat(reopened.has(p("stale/half-deleted"))).isFalse();
        assertThat(reopened.appliedIndex()).isEqualTo(12);
        assertThat(Files.exists(ready)).isFalse();
    }
}
