package dev.davit.storage;

import dev.davit.storage.history.History;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link History#count}: commits from a start, minus those reachable from another, optionally of one path. */
class HistoryCountTest {
    @TempDir
    Path tmp;

    @Test
    void countsAllOnePathAndWhatIsNew() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "1");
            f.put("b.txt", "1");
            ObjectId middle = f.repo.headId();
            f.put("a.txt", "2");
            f.put("c.txt", "1");
            ObjectId head = f.repo.headId();
            History h = History.of(f.repo);
            assertThat(h.count(head, null, RepoPath.ROOT)).isEqualTo(4);
            assertThat(h.count(head, null, StorageFixture.p("a.txt"))).isEqualTo(2);
            assertThat(h.count(head, middle, RepoPath.ROOT)).isEqualTo(2);
            assertThat(h.count(head, middle, StorageFixture.p("b.txt"))).isZero();
            assertThat(h.isAncestor(middle, head)).isTrue();
            assertThat(h.isAncestor(head, middle)).isFalse();
        }
    }
}
