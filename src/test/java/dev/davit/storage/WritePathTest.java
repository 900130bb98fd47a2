package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.RefUpdate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast write path of issue 6: object ids by the JDK's SHA-1 with stored bytes compared instead of
 * collision detection, blobs held in memory until their batch writes the files, the branch head remembered
 * between requests.
 */
class WritePathTest {
    @TempDir
    Path tmp;

    @Test
    void objectIdsAreGitsIdsForEveryTypeAndSize() {
        Random r = new Random(7);
        try (ObjectInserter.Formatter git = new ObjectInserter.Formatter()) {
            for (int type : new int[] {Constants.OBJ_BLOB, Constants.OBJ_TREE, Constants.OBJ_COMMIT, Constants.OBJ_TAG}) {
                for (int size : new int[] {0, 1, 55, 56, 63, 64, 1000, 70_000}) {
                    byte[] data = new byte[size + 10];
                    r.nextBytes(data);
                    assertThat(ObjectIds.of(type, data, 5, size)).as("type %d, %d bytes", type, size)
                            .isEqualTo(git.idFor(type, data, 5, size));
                }
            }
        }
    }

    /**
     * What JGit's collision-detecting SHA-1 guarded: content whose id is already taken by other bytes (only a
     * SHA-1 collision does that; here a planted file stands in for one) is refused, never silently mapped
     * onto the stored object.
     */
    @Test
    void contentWhoseIdIsTakenByOtherBytesIsRefused() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] wanted = "the upload".getBytes(StandardCharsets.UTF_8);
            byte[] other = "something else entirely".getBytes(StandardCharsets.UTF_8);
            ObjectId id = ObjectIds.of(Constants.OBJ_BLOB, wanted, 0, wanted.length);
            LooseObject planted = LooseObject.of(id, Constants.OBJ_BLOB, other, 0, other.length);
            planted.writeTo(f.gitDir().resolve("objects"));

            assertThatThrownBy(() -> f.repo.insertBlob(new ByteArrayInputStream(wanted), wanted.length))
                    .isInstanceOf(IOException.class).hasMessageContaining("collision");
            // The same content as stored is fine, and an identical tree written again is not refused either.
            ObjectId same = f.repo.insertBlob(new ByteArrayInputStream(other), other.length);
            assertThat(same).isNotEqualTo(id);
            f.put("a.txt", "one");
            ObjectId tree = f.repo.write(ALICE, "PUT a.txt", edit -> {
                edit.putFile(p("a.txt"), f.blob("one"));
                return null;
            }).revision();
            assertThat(tree).isEqualTo(f.repo.headId());
        }
    }

    /**
     * A small blob is held in memory until the batch that commits it writes the files: it is readable at
     * once (the REST API answers a blob's sha before any commit names it), its file appears with the commit,
     * before the branch moves, and git sees a consistent repository.
     */
    @Test
    void aBlobIsReadableAtOnceAndItsFileIsWrittenByTheCommitThatNamesIt() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] data = "pending content\n".getBytes(StandardCharsets.UTF_8);
            ObjectId id = f.repo.insertBlob(new ByteArrayInputStream(data), data.length);
            Path file = LooseObject.path(f.gitDir().resolve("objects"), id);
            assertThat(f.repo.readBlob(id)).isEqualTo(data);
            assertThat(file).as("no file before a commit names it").doesNotExist();

            f.repo.write(ALICE, "PUT p.txt", edit -> {
                edit.putFile(p("p.txt"), id);
                return null;
            });
            assertThat(file).isRegularFile();
            try (Snapshot s = f.repo.head()) {
                assertThat(StorageFixture.read(s, "p.txt")).isEqualTo("pending content\n");
            }
            f.assertFsckClean();
        }
    }

    /** Blobs of uploads that never commit are written by the next batch all the same: memory keeps none. */
    @Test
    void blobsOfWritesThatNeverCommitAreFlushedByTheNextBatch() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] orphan = "refused upload".getBytes(StandardCharsets.UTF_8);
            ObjectId id = f.repo.insertBlob(new ByteArrayInputStream(orphan), orphan.length);
            assertThatThrownBy(() -> f.repo.write(ALICE, "PUT x", edit -> {
                throw new StaleException(p("x"), null, null, "refused");
            })).isInstanceOf(StaleException.class);
            f.put("other.txt", "x");
            assertThat(LooseObject.path(f.gitDir().resolve("objects"), id)).isRegularFile();
        }
    }

    /** The remembered head follows a branch moved by someone else (a push, another process). */
    @Test
    void theHeadFollowsABranchMovedOutsideTheServer() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId first = f.put("a.txt", "1").revision();
            ObjectId second = f.put("a.txt", "2").revision();
            assertThat(f.repo.headId()).isEqualTo(second);
            for (ObjectId target : new ObjectId[] {first, second, first}) {
                RefUpdate ru = f.repo.jgit().updateRef(GitRepository.BRANCH);
                ru.setNewObjectId(target);
                ru.setForceUpdate(true);
                assertThat(ru.update()).isIn(RefUpdate.Result.FORCED, RefUpdate.Result.FAST_FORWARD);
                assertThat(f.repo.headId()).isEqualTo(target);
                try (Snapshot s = f.repo.head()) {
                    assertThat(s.revision()).isEqualTo(target);
                }
            }
            // Long after the last change the remembered value is trusted: still the same answer.
            Thread.sleep(120);
            assertThat(f.repo.headId()).isEqualTo(first);
            RefUpdate ru = f.repo.jgit().updateRef(GitRepository.BRANCH);
            ru.setNewObjectId(second);
            ru.setForceUpdate(true);
            ru.update();
            assertThat(f.repo.headId()).isEqualTo(second);
            // A write starts from the head as moved, not from a remembered one.
            ObjectId third = f.put("b.txt", "3").revision();
            try (org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(f.repo.jgit())) {
                assertThat(rw.parseCommit(third).getParent(0).getId()).isEqualTo(second);
            }
            assertThat(Files.exists(f.gitDir().resolve(GitRepository.BRANCH))).isTrue();
        }
    }
}
