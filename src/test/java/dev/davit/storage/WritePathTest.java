package dev.davit.storage;

import dev.davit.storage.objects.LooseObject;
import dev.davit.storage.objects.ObjectIds;

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
     * A small blob is held in memory until the write that places it is logged: it is readable at once, no
     * file is written for it, and once the repository on disk catches up it is in a pack (not a loose file)
     * and git sees a consistent repository.
     */
    @Test
    void aBlobIsReadableAtOnceAndReachesTheDiskInAPackWithItsCommit() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] data = "pending content\n".getBytes(StandardCharsets.UTF_8);
            ObjectId id = f.repo.insertBlob(new ByteArrayInputStream(data), data.length);
            Path file = LooseObject.path(f.gitDir().resolve("objects"), id);
            assertThat(f.repo.readBlob(id)).isEqualTo(data);

            f.repo.write(ALICE, "PUT p.txt", edit -> {
                edit.putFile(p("p.txt"), id);
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                assertThat(StorageFixture.read(s, "p.txt")).isEqualTo("pending content\n");
            }
            f.repo.applyToDisk();
            assertThat(file).as("objects go to disk as packs, not loose files").doesNotExist();
            try (org.eclipse.jgit.lib.ObjectReader disk = f.repo.disk().newObjectReader()) {
                assertThat(disk.has(id)).isTrue();
            }
            f.assertFsckClean();
        }
    }

    /** Uploads whose write never commits are written nowhere: no file, and nothing in the log. */
    @Test
    void blobsOfWritesThatNeverCommitAreNeverWritten() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] orphan = "refused upload".getBytes(StandardCharsets.UTF_8);
            ObjectId id = f.repo.insertBlob(new ByteArrayInputStream(orphan), orphan.length);
            assertThatThrownBy(() -> f.repo.write(ALICE, "PUT x", edit -> {
                throw new StaleException(p("x"), null, null, "refused");
            })).isInstanceOf(StaleException.class);
            f.put("other.txt", "x");
            f.repo.applyToDisk();
            try (org.eclipse.jgit.lib.ObjectReader disk = f.repo.disk().newObjectReader()) {
                assertThat(disk.has(id)).isFalse();
            }
        }
    }

    /**
     * Review hazards: (1) a blob that sits in the memory cache (a refused write read it, a GET cached it) is
     * not durable, so a retried write of the same bytes must still log it; (2) a batch that commits nothing
     * must not take another writer's uploaded blob away from that writer's record. Checked by a crash with
     * the disk writer held: only the log has the writes.
     */
    @Test
    void everyAcknowledgedBlobIsInTheLogEvenWhenCachedOrUploadedAcrossAnEmptyBatch() throws Exception {
        java.nio.file.Path live = tmp.resolve("live");
        java.nio.file.Path crashed = tmp.resolve("crashed");
        java.util.concurrent.ScheduledThreadPoolExecutor frozen = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        java.util.concurrent.CountDownLatch thaw = new java.util.concurrent.CountDownLatch(1);
        frozen.execute(() -> {
            try {
                thaw.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Repositories repos = new Repositories(live, true, 0, frozen, System::nanoTime)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            byte[] retried = "retried".getBytes(StandardCharsets.UTF_8);
            ObjectId first = r.insertBlob(new ByteArrayInputStream(retried), retried.length);
            assertThatThrownBy(() -> r.write(ALICE, "PUT a", edit -> {
                edit.putFile(p("a.txt"), first);
                throw new StaleException(p("a.txt"), null, null, "refused after placing the blob");
            })).isInstanceOf(StaleException.class);
            assertThat(r.readBlob(first)).isEqualTo(retried); // cached in memory now
            ObjectId again = r.insertBlob(new ByteArrayInputStream(retried), retried.length);
            r.write(ALICE, "PUT a", edit -> {
                edit.putFile(p("a.txt"), again);
                return null;
            });

            byte[] waiting = "uploaded before an empty batch".getBytes(StandardCharsets.UTF_8);
            ObjectId blob = r.insertBlob(new ByteArrayInputStream(waiting), waiting.length);
            assertThat(r.write(ALICE, "nothing", edit -> null).committed()).isFalse();
            r.write(ALICE, "PUT b", edit -> {
                edit.putFile(p("b.txt"), blob);
                return null;
            });
            copyTree(live, crashed);
            thaw.countDown();
        }
        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository r = again.open("o", "r");
            try (Snapshot s = r.head()) {
                assertThat(StorageFixture.read(s, "a.txt")).isEqualTo("retried");
                assertThat(StorageFixture.read(s, "b.txt")).isEqualTo("uploaded before an empty batch");
            }
        }
        CommitLogTest.assertFsckClean(crashed);
    }

    private static void copyTree(java.nio.file.Path from, java.nio.file.Path to) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(from)) {
            for (java.nio.file.Path q : (Iterable<java.nio.file.Path>) all::iterator) {
                java.nio.file.Path target = to.resolve(from.relativize(q).toString());
                if (java.nio.file.Files.isDirectory(q)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.copy(q, target);
                }
            }
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

    /**
     * A PUT whose content git already holds is not refused when git packs that object between the upload and
     * the write (here git outside the server writes it loose, then packs it and removes the loose file, as
     * {@code git repack} and {@code git prune-packed} do): the upload found it stored, so it was not held in
     * memory, and the list of packs the write path asks (looked at again after a second or after a change this
     * server made; the clock here stands still) lacks the new pack. Before the write refuses the blob as lost,
     * it asks JGit's packs as they are now. Before that second look, the write failed with "no longer held".
     */
    @Test
    void aBlobGitPacksBetweenItsUploadAndItsWriteIsFound() throws Exception {
        long[] now = {0};
        java.util.concurrent.ScheduledThreadPoolExecutor disk = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        try (Repositories repos = new Repositories(tmp.resolve("data"), true, 0, disk, () -> now[0])) {
            GitRepository repo = repos.createIfMissing("o", "r", null, ALICE);
            byte[] first = "first".getBytes(StandardCharsets.UTF_8);
            ObjectId firstId = repo.insertBlob(new ByteArrayInputStream(first), first.length);
            repo.write(ALICE, "PUT a.txt", edit -> {
                edit.putFile(p("a.txt"), firstId);
                return null;
            });
            repo.applyToDisk(); // the disk writer's pack written and the packs looked at
            Path gitDir = repos.dataDir().resolve("o").resolve("r.git");
            byte[] bytes = "git holds this".getBytes(StandardCharsets.UTF_8);
            ObjectId id;
            try (org.eclipse.jgit.internal.storage.file.FileRepository git =
                         new org.eclipse.jgit.internal.storage.file.FileRepository(gitDir.toFile());
                 ObjectInserter loose = git.getObjectDatabase().newInserter()) {
                id = loose.insert(Constants.OBJ_BLOB, bytes);
                loose.flush();
            }
            assertThat(repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length)).isEqualTo(id);
            try (org.eclipse.jgit.internal.storage.file.FileRepository git =
                         new org.eclipse.jgit.internal.storage.file.FileRepository(gitDir.toFile());
                 ObjectInserter packer = git.getObjectDatabase().newPackInserter()) {
                packer.insert(Constants.OBJ_BLOB, bytes);
                packer.flush();
            }
            Files.delete(LooseObject.path(gitDir.resolve("objects"), id));

            WriteResult<Void> w = repo.write(ALICE, "PUT b.txt", edit -> {
                edit.putFile(p("b.txt"), id);
                return null;
            });
            assertThat(repo.headId()).isEqualTo(w.revision());
            try (Snapshot s = repo.head()) {
                assertThat(StorageFixture.read(s, "b.txt")).isEqualTo("git holds this");
            }
        } finally {
            disk.shutdownNow();
        }
    }
}
