package dev.davit.storage;

import dev.davit.storage.maintenance.Maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes reach the disk in packs (the disk writer's), so background packing has work only when objects are
 * loose (large uploads, git writing into the repository). Then it is incremental: after the first (full) repack, a run packs only the commits since the
 * last one into a new pack, so its cost follows the new writes, not the repository; enough packs are merged
 * by a full repack. git fsck stays clean throughout.
 */
class IncrementalPackTest {
    @TempDir
    Path tmp;

    @Test
    void laterRunsPackOnlyTheNewCommitsAndManyPacksAreMerged() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp); Maintenance m = new Maintenance(0)) {
            FileRepository fr = (FileRepository) f.repo.jgit();
            f.mkdir("d");
            for (int i = 0; i < 30; i++) {
                f.put("d/f" + i + ".txt", "version one of " + i);
            }
            assertThat(m.pack(f.repo)).as("the first run after opening").isEqualTo("repacked everything");
            assertThat(BackgroundGcTest.looseObjects(f.gitDir())).isZero();
            long firstPackBytes = packBytes(f.gitDir());

            f.put("d/f1.txt", "version two");
            f.put("d/new.txt", "new");
            assertThat(m.pack(f.repo)).as("writes reach the disk in the disk writer's packs: nothing to walk for")
                    .isEqualTo("nothing loose to pack");
            long withWrites = packBytes(f.gitDir());
            putLarge(f, "d/big.bin", 1);
            assertThat(BackgroundGcTest.looseObjects(f.gitDir())).as("a large upload is stored loose").isOne();
            // The commit since the last run: its blob, two trees and the commit.
            assertThat(m.pack(f.repo)).isEqualTo("packed 4 new objects");
            assertThat(BackgroundGcTest.looseObjects(f.gitDir())).isZero();
            // Only the new commits' objects: far less than everything (the large blob is all zeros, deflated).
            assertThat(packBytes(f.gitDir()) - withWrites).isLessThan(firstPackBytes);
            f.assertFsckClean();

            // A run with nothing new writes no pack.
            m.run(f.repo);

            for (int i = 2; i < Maintenance.MAX_PACKS; i++) {
                f.put("d/f2.txt", "round " + i);
                putLarge(f, "d/big.bin", i);
                m.run(f.repo);
            }
            putLarge(f, "d/big.bin", 100);
            assertThat(m.pack(f.repo)).isEqualTo("repacked everything");
            // The replaced packs stay an hour (a push's pack may not be named by a ref yet); the new one has all.
            assertThat(BackgroundGcTest.looseObjects(f.gitDir())).isZero();
            f.assertFsckClean();
            try (Snapshot s = f.repo.head()) {
                assertThat(StorageFixture.read(s, "d/f1.txt")).isEqualTo("version two");
                assertThat(StorageFixture.read(s, "d/f2.txt")).isEqualTo("round " + (Maintenance.MAX_PACKS - 1));
            }
        }
    }

    /** A tip packed last time that no longer exists does not stop packing (JGit skips a missing "have"). */
    @Test
    void aVanishedTipMakesTheRunAFullRepack() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp); Maintenance m = new Maintenance(0)) {
            f.put("a.txt", "1");
            org.eclipse.jgit.lib.RefUpdate ru = f.repo.jgit().updateRef("refs/heads/gone");
            ru.setNewObjectId(f.repo.headId());
            ru.update();
            assertThat(m.pack(f.repo)).isEqualTo("repacked everything");
            // A tip that never was an object at all: what a branch deleted and collected since leaves behind.
            java.lang.reflect.Field tips = Maintenance.class.getDeclaredField("packedTips");
            tips.setAccessible(true);
            @SuppressWarnings("unchecked")
            java.util.Map<GitRepository, java.util.Set<org.eclipse.jgit.lib.ObjectId>> map =
                    (java.util.Map<GitRepository, java.util.Set<org.eclipse.jgit.lib.ObjectId>>) tips.get(m);
            map.put(f.repo, java.util.Set.of(org.eclipse.jgit.lib.ObjectId.fromString("0123456789012345678901234567890123456789")));
            putLarge(f, "a.txt", 2);
            assertThat(m.pack(f.repo)).startsWith("packed ");
            assertThat(BackgroundGcTest.looseObjects(f.gitDir())).isZero();
            putLarge(f, "a.txt", 3);
            assertThat(m.pack(f.repo)).isEqualTo("packed 3 new objects");
            f.assertFsckClean();
        }
    }

    /** A write of a blob large enough to be stored loose (as large uploads are), of {@code n}'s bytes. */
    private static void putLarge(StorageFixture f, String path, int n) throws Exception {
        byte[] b = new byte[GitRepository.SMALL_BLOB + 1];
        java.util.Arrays.fill(b, (byte) n);
        org.eclipse.jgit.lib.ObjectId id = f.repo.insertBlob(new java.io.ByteArrayInputStream(b), b.length);
        f.repo.write(StorageFixture.ALICE, "PUT " + path, edit -> {
            edit.putFile(StorageFixture.p(path), id);
            return null;
        });
    }

    private static long packBytes(Path gitDir) throws Exception {
        try (var files = java.nio.file.Files.list(gitDir.resolve("objects/pack"))) {
            return files.filter(p -> p.toString().endsWith(".pack")).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
