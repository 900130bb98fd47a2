package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write run again on the tree its commit was made on ({@link GitRepository#rerun}): cluster mode rebuilds a
 * keyed write's answer this way. It gives the write's value and commit, publishes nothing, even when the
 * mutation reads back what it wrote, and refuses a mutation that does not make that commit's tree.
 */
class RerunTest {
    @TempDir
    Path tmp;

    /** A mutation that writes a file and its dead properties, then reads them back, and says whether it created. */
    private static Mutation<String> putWithProperties(ObjectId blob) {
        return edit -> {
            boolean created = edit.lookup(p("docs/a.txt")).isEmpty();
            edit.makeParents(p("docs/a.txt"));
            edit.putFile(p("docs/a.txt"), blob);
            edit.setMetadata(p("docs/a.txt"), "<props/>".getBytes(StandardCharsets.UTF_8));
            String props = new String(edit.metadata(p("docs/a.txt")).orElseThrow(), StandardCharsets.UTF_8);
            return (created ? "created " : "updated ") + props;
        };
    }

    @Test
    void aWriteRunAgainOnItsCommitsParentGivesItsValueAndPublishesNothing() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("README.md", "readme");
            ObjectId blob = f.blob("first");
            WriteResult<String> made = f.repo.write(ALICE, "PUT docs/a.txt", putWithProperties(blob));
            f.put("README.md", "changed since"); // the head moved on: the rerun still sees the tree it was made on
            ObjectId head = f.repo.headId();
            int commits = f.commitCount();

            WriteResult<String> again = f.repo.rerun(made.revision(), putWithProperties(blob));

            assertThat(again.value()).isEqualTo("created <props/>").isEqualTo(made.value());
            assertThat(again.revision()).isEqualTo(made.revision());
            assertThat(again.committed()).isTrue();
            assertThat(f.repo.headId()).as("nothing published").isEqualTo(head);
            assertThat(f.commitCount()).isEqualTo(commits);
        }
    }

    @Test
    void aMutationThatDoesNotMakeTheCommitsTreeIsRefused() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId first = f.blob("first");
            WriteResult<String> made = f.repo.write(ALICE, "PUT docs/a.txt", putWithProperties(first));
            ObjectId other = f.blob("other");

            assertThatThrownBy(() -> f.repo.rerun(made.revision(), putWithProperties(other)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(made.revision().name());
        }
    }

    @Test
    void theHeadAndItsAncestorsAreInTheHistoryACommitNeverStoredIsNot() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId first = f.put("a.txt", "one").revision();
            ObjectId second = f.put("b.txt", "two").revision();

            assertThat(f.repo.inHistory(first)).isTrue();
            assertThat(f.repo.inHistory(second)).isTrue();
            assertThat(f.repo.inHistory(ObjectId.fromString("0123456789012345678901234567890123456789"))).isFalse();
        }
    }
}
