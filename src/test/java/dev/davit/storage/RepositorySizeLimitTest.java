package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code limits.repository.bytes} is enforced where every front end's write commits: a commit that would make
 * the repository's visible files larger than the limit is refused and publishes nothing; one that shrinks a
 * repository already over a (lowered) limit passes, and hidden helper files do not count.
 */
class RepositorySizeLimitTest {
    @TempDir
    Path tmp;

    @Test
    void aCommitPastTheLimitIsRefusedAndPublishesNothing() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.repositories.limitRepositorySize(10);
            ObjectId fits = f.blob("0123456789");
            f.repo.write(ALICE, "fits", e -> {
                e.putFile(p("a.txt"), fits);
                return null;
            });
            ObjectId head = f.repo.headId();
            ObjectId more = f.blob("x");
            assertThatThrownBy(() -> f.repo.write(ALICE, "one byte too many", e -> {
                e.putFile(p("b.txt"), more);
                return null;
            })).isInstanceOf(QuotaExceededException.class).hasMessageContaining("11 bytes").hasMessageContaining("limit of 10");
            assertThat(f.repo.headId()).isEqualTo(head);
            try (Snapshot s = f.repo.head()) {
                assertThat(s.lookup(p("b.txt"))).isEmpty();
                assertThat(f.repositories.sizes().used(s)).isEqualTo(10);
                assertThat(f.repositories.sizes().available(s)).isZero();
            }
            // replacing the file by one of the same size does not grow the repository
            ObjectId same = f.blob("abcdefghij");
            assertThat(f.repo.write(ALICE, "same size", e -> {
                e.putFile(p("a.txt"), same);
                return null;
            }).committed()).isTrue();
        }
    }

    @Test
    void aRepositoryOverALoweredLimitMayShrinkButNotGrow() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId big = f.blob("x".repeat(100));
            f.repo.write(ALICE, "big", e -> {
                e.putFile(p("big.txt"), big);
                return null;
            });
            f.repositories.limitRepositorySize(50);
            ObjectId small = f.blob("y".repeat(60));
            assertThat(f.repo.write(ALICE, "smaller, still over", e -> {
                e.putFile(p("big.txt"), small);
                return null;
            }).committed()).isTrue();
            ObjectId one = f.blob("z");
            assertThatThrownBy(() -> f.repo.write(ALICE, "grows", e -> {
                e.ensureFolders(p("dir"));
                e.putFile(p("dir/z.txt"), one);
                return null;
            })).isInstanceOf(QuotaExceededException.class);
        }
    }
}
