package dev.davit.storage;

import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import dev.davit.storage.objects.RawTree;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevWalk;
import dev.davit.testutil.OutsideHistory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository whose last-modified index is still being built answers from walks of its recent history: they
 * must give exactly what the index gives once built, for every path, or nothing (then the request waits for the
 * index). Histories made by another program with chosen commit times (clock skew, files turned into folders
 * and back, deletions, empty commits, merges); the index built from the whole history is the reference.
 */
class FolderHistoryTest {
    @TempDir
    Path tmp;

    private static final Instant FALLBACK = Instant.ofEpochSecond(42);

    private static Map<String, String> ch(String... pathsAndContents) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            m.put(pathsAndContents[i], pathsAndContents[i + 1]);
        }
        return m;
    }

    /** Every path at {@code head} (folders too), parents before children. */
    private static List<String> paths(OutsideHistory h, ObjectId head) throws IOException {
        List<String> out = new ArrayList<>();
        try (ObjectReader r = h.newReader(); RevWalk rw = new RevWalk(r)) {
            collect(r, rw.parseCommit(head).getTree(), "", out);
        }
        return out;
    }

    private static void collect(ObjectReader r, ObjectId tree, String prefix, List<String> out) throws IOException {
        RawTree t = RawTree.parse(r.open(tree, Constants.OBJ_TREE).getCachedBytes());
        for (int i = 0; i < t.size(); i++) {
            String path = prefix + t.name(i);
            out.add(path);
            if (t.isTree(i)) {
                collect(r, t.id(i), path + "/", out);
            }
        }
    }

    /** The walks of one head, one per folder, sharing one budget (as a request's lookups use them). */
    private static final class Walks {
        final OutsideHistory h;
        final ObjectId head;
        final FolderHistory.Budget budget;
        final Map<RepoPath, FolderHistory> folders = new HashMap<>();

        Walks(OutsideHistory h, ObjectId head, int budget) {
            this.h = h;
            this.head = head;
            this.budget = new FolderHistory.Budget(budget, Long.MAX_VALUE, System::nanoTime);
        }

        Timestamps times(String path, boolean withCreated) throws IOException {
            RepoPath rp = path.isEmpty() ? RepoPath.ROOT : p(path);
            FolderHistory f = folders.computeIfAbsent(rp.isRoot() ? rp : rp.parent(),
                    k -> new FolderHistory(h::newReader, head, k, budget));
            return rp.isRoot() ? f.root(withCreated, FALLBACK) : f.member(rp.name(), withCreated, FALLBACK);
        }
    }

    /**
     * For every path at the head: what the walks answer (last change alone, then with the creation) against the
     * index built from the whole history. Returns the paths the walks could not tell.
     */
    private static List<String> compare(OutsideHistory h, int budget) throws IOException {
        ObjectId head = h.head();
        LastModifiedIndex full = new LastModifiedIndex();
        full.catchUp(h::newReader, head);
        Walks modifiedOnly = new Walks(h, head, budget);
        Walks both = new Walks(h, head, budget);
        List<String> untold = new ArrayList<>();
        List<String> all = new ArrayList<>(paths(h, head));
        all.add(0, "");
        for (String path : all) {
            Timestamps expected = full.get(path.isEmpty() ? RepoPath.ROOT : p(path), FALLBACK);
            Timestamps m = modifiedOnly.times(path, false);
            Timestamps t = both.times(path, true);
            if (m != null) {
                assertThat(m.modified()).as("last change of '%s'", path).isEqualTo(expected.modified());
            }
            if (t != null) {
                assertThat(t).as("times of '%s'", path).isEqualTo(expected);
            }
            if (m == null || t == null) {
                untold.add(path + (m == null ? "" : " (created)"));
            }
        }
        return untold;
    }

    private static Instant at(long seconds) {
        return Instant.ofEpochSecond(seconds);
    }

    @Test
    void aLinearHistoryIsToldExactlyForEveryPath() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("r.git"))) {
            h.commit(1000, ch("a.txt", "a", "b.txt", "b", "k", "k", "docs/x.txt", "x", "docs/y.txt", "y",
                    "old/o.txt", "o", "q/f.txt", "q", "r/f.txt", "r", "gone/g.txt", "g"));
            h.commit(1100, ch("a.txt", "a2"));
            h.commit(1050, ch("docs/sub/z.txt", "z"));           // a clock behind the commit before
            h.commitOn(h.head(), 1200, ch());                    // no change at all
            h.moveBranch(h.commitOn(h.head(), 1200, ch()));
            h.commit(1300, ch("b.txt", null));
            h.commit(1400, ch("b.txt", "b again"));              // created again
            h.commit(1500, ch("docs/y.txt", "y2"));
            h.commit(1600, ch("k/inner.txt", "i"));              // a file turned into a folder
            h.commit(1700, ch("q", "now a file"));               // a folder turned into a file (the index drops it)
            h.commit(1750, ch("r", "now a file"));
            h.commit(1800, ch("r", "changed since"));            // ... and made again by its next change
            h.commit(1850, ch("gone", null));
            h.commit(1860, ch("gone/g2.txt", "back"));           // a folder deleted and made again
            for (int i = 0; i < 60; i++) {
                h.commit(2000 + i, ch("noise/n.txt", "n" + i));  // the old paths' changes sink deep
            }
            h.commit(1900, ch("a.txt", "a3"));

            assertThat(compare(h, 1_000)).as("every path told from the history alone").isEmpty();

            // the cases above, spelled out (the index's answers, which the walks gave)
            Walks w = new Walks(h, h.head(), 1_000);
            assertThat(w.times("a.txt", true)).isEqualTo(new Timestamps(at(1000), at(1900)));
            assertThat(w.times("b.txt", true)).isEqualTo(new Timestamps(at(1400), at(1400)));
            assertThat(w.times("docs", true)).isEqualTo(new Timestamps(at(1000), at(1500)));
            assertThat(w.times("docs/sub", true)).isEqualTo(new Timestamps(at(1050), at(1050)));
            assertThat(w.times("k", true)).isEqualTo(new Timestamps(at(1600), at(1600)));
            assertThat(w.times("q", true)).isEqualTo(new Timestamps(FALLBACK, FALLBACK));
            assertThat(w.times("r", true)).isEqualTo(new Timestamps(at(1800), at(1800)));
            assertThat(w.times("gone", true)).isEqualTo(new Timestamps(at(1860), at(1860)));
            assertThat(w.times("old/o.txt", true)).isEqualTo(new Timestamps(at(1000), at(1000)));
            assertThat(w.times("", true)).isEqualTo(new Timestamps(at(1000), at(1900)));
        }
    }

    @Test
    void pastTheBudgetNothingIsToldButWhatWasFoundIsExact() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("r.git"))) {
            h.commit(1000, ch("deep.txt", "d", "recent.txt", "r"));
            for (int i = 0; i < 50; i++) {
                h.commit(2000 + i, ch("recent.txt", "r" + i));
            }
            List<String> untold = compare(h, 10);
            // the last change of recent.txt (and of the root) is at the head; everything else is 50 commits back
            assertThat(untold).containsExactlyInAnyOrder(" (created)", "deep.txt", "recent.txt (created)");
            Walks w = new Walks(h, h.head(), 10);
            assertThat(w.times("recent.txt", false).modified()).isEqualTo(at(2049));
            assertThat(w.times("deep.txt", false)).isNull();
        }
    }

    @Test
    void aWalkStopsWhenItsTimeIsUp() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("r.git"))) {
            h.commit(1000, ch("a.txt", "a", "b.txt", "b"));
            for (int i = 0; i < 20; i++) {
                h.commit(2000 + i, ch(i < 10 ? "b.txt" : "a.txt", "v" + i));
            }
            long[] now = {0};
            // a clock that moves 10 ns each time it is read: a step costs 10 ns, and 100 ns are left
            FolderHistory f = new FolderHistory(h::newReader, h.head(), RepoPath.ROOT,
                    new FolderHistory.Budget(1_000_000, 100, () -> now[0] += 10));
            assertThat(f.member("a.txt", false, FALLBACK).modified()).isEqualTo(at(2019));
            assertThat(f.member("b.txt", false, FALLBACK)).as("10 commits back: past the time").isNull();
        }
    }

    @Test
    void aMergeIsLookedAtButNothingBeforeIt() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("r.git"))) {
            ObjectId base = h.commit(1000, ch("main.txt", "m", "side.txt", "s", "both.txt", "b", "calm.txt", "c"));
            ObjectId side = h.commitOn(base, 1100, ch("side.txt", "s2", "both.txt", "b-side"));
            h.commit(1200, ch("main.txt", "m2"));
            h.merge(1300, side, ch("side.txt", "s2", "both.txt", "b-merged"));
            h.commit(1400, ch("after.txt", "a"));

            List<String> untold = compare(h, 1_000);
            // after.txt is told by the last commit, side.txt and both.txt by the merge (against its first parent);
            // main.txt and calm.txt changed before it, where the merged line's order decides
            assertThat(untold).containsExactlyInAnyOrder(" (created)", "main.txt", "calm.txt", "side.txt (created)",
                    "both.txt (created)");
        }
    }

    /** Random histories of files and folders (kind changes, deletions, skewed clocks, empty commits). */
    @Test
    void randomLinearHistoriesAreToldExactly() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            try (OutsideHistory h = new OutsideHistory(tmp.resolve("r" + seed + ".git"))) {
                randomHistory(h, new Random(seed), 150, false);
                assertThat(compare(h, 100_000)).as("seed %d", seed).isEmpty();
                compare(h, 20); // within a small budget: whatever is told is exact
            }
        }
    }

    @Test
    void randomHistoriesWithMergesAreToldExactlyOrNotAtAll() throws Exception {
        for (long seed = 11; seed <= 16; seed++) {
            try (OutsideHistory h = new OutsideHistory(tmp.resolve("r" + seed + ".git"))) {
                randomHistory(h, new Random(seed), 150, true);
                List<String> untold = compare(h, 100_000);
                assertThat(untold.size()).as("seed %d: some paths are told", seed).isLessThan(paths(h, h.head()).size() + 1);
            }
        }
    }

    private static final String[] NAMES = {"a", "b", "c", "d.txt", "e.txt"};

    private static void randomHistory(OutsideHistory h, Random rnd, int commits, boolean merges) throws IOException {
        long time = 1_000_000;
        List<ObjectId> sides = new ArrayList<>();
        for (int i = 0; i < commits; i++) {
            time += rnd.nextInt(100) - 20; // sometimes earlier than the commit before
            Map<String, String> changes = new LinkedHashMap<>();
            int n = i == 0 ? 8 : rnd.nextInt(4);
            for (int k = 0; k < n; k++) {
                String path = NAMES[rnd.nextInt(NAMES.length)];
                int depth = rnd.nextInt(3);
                for (int d = 0; d < depth; d++) {
                    path += "/" + NAMES[rnd.nextInt(NAMES.length)];
                }
                changes.put(path, rnd.nextInt(4) == 0 ? null : "v" + rnd.nextInt(3)); // same content again: no change
            }
            if (merges && h.head() != null && rnd.nextInt(10) == 0) {
                sides.add(h.commitOn(h.head(), time, changes));
                continue;
            }
            if (merges && !sides.isEmpty() && rnd.nextInt(5) == 0) {
                h.merge(time, sides.remove(0), changes);
                continue;
            }
            h.commit(time, changes);
        }
    }
}
