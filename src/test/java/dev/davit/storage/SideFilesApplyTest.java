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
}
