package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.storage.maintenance.Maintenance;
import dev.davit.storage.maintenance.PackMerge;

/**
 * The packs a merge replaced stay on disk a few seconds for readers outside the server, but the server's own
 * lookups (is this new object stored already? asked for every object of every write, and by the disk writer)
 * leave them out: every object of theirs is in the merged pack, and under writes they were about half of the
 * packs each lookup of a new object asked.
 */
class ReplacedPacksTest {
    @TempDir
    Path tmp;

    @Test
    void writesAskTheMergedPackNotThePacksItReplacedWhileThoseStayForOtherReaders() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp); Maintenance m = new Maintenance(0)) {
            f.repo.maintenance(m);
            f.mkdir("d");
            for (int i = 0; i < 4 * PackMerge.MIN_PACKS && m.merges() == 0; i++) {
                f.put("d/f" + i + ".txt", "file " + i);
                f.repo.applyToDisk(); // each write's objects in a pack of their own: small packs pile up
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (m.merges() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // the merge runs on the maintenance thread
            }
            assertThat(m.merges()).as("small packs merged").isPositive();

            Set<String> replaced = Set.copyOf(m.replacedPacks(f.repo));
            assertThat(replaced).as("packs the merge replaced").isNotEmpty();
            for (String base : replaced) {
                assertThat(f.gitDir().resolve("objects/pack/" + base + ".pack")).as("kept for other readers").exists();
            }
            assertThat(f.repo.lookedUpPacks()).as("the packs the server's lookups ask").isNotEmpty()
                    .doesNotContainAnyElementsOf(replaced);

            // Nothing is missing from what the lookups ask: each file reads back, a new write commits, and git
            // finds every object (the replaced packs deleted first, so only what the lookups ask is left).
            for (String base : replaced) {
                for (String ext : new String[] {".pack", ".idx", ".rev", ".bitmap"}) {
                    Files.deleteIfExists(f.gitDir().resolve("objects/pack/" + base + ext));
                }
            }
            f.repo.packsChanged();
            f.put("d/after.txt", "after the merge");
            f.repo.applyToDisk();
            assertThat(f.read("d/f0.txt")).isEqualTo("file 0");
            assertThat(f.read("d/after.txt")).isEqualTo("after the merge");
            f.assertFsckClean();
        }
    }
}
