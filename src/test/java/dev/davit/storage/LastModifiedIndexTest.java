package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import dev.davit.testutil.OutsideHistory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Times are whole seconds (git commit time), so writes whose times must differ are 1.1 s apart. */
class LastModifiedIndexTest {
    @TempDir
    Path tmp;

    private static Instant timeOf(StorageFixture f, ObjectId commit) throws IOException {
        try (RevWalk rw = new RevWalk(f.repo.jgit())) {
            return Instant.ofEpochSecond(rw.parseCommit(commit).getCommitTime());
        }
    }

    private static Timestamps times(StorageFixture f, String path) throws IOException {
        try (Snapshot s = f.repo.head()) {
            return s.times(s.lookup(p(path)).orElseThrow());
        }
    }

    private static void tick() throws InterruptedException {
        Thread.sleep(1100);
    }

    /**
     * A request may take the head of a moment before a write's commit (the head on disk while the new one is
     * published). The index, already at the newer commit, stays there: taking it back cost an ancestry walk of
     * the whole history and a rebuild from the root per request under concurrent writers.
     */
    @Test
    void aRequestHoldingTheHeadOfAMomentBeforeDoesNotTakeTheIndexBack() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId c1 = f.put("a.txt", "1").revision();
            ObjectId c2 = f.put("b.txt", "2").revision();
            ObjectId c3 = f.put("a.txt", "3").revision();
            LastModifiedIndex index = new LastModifiedIndex();
            index.catchUp(f.repo::newReader, c3);
            assertThat(index.replayed()).isEqualTo(3);

            index.catchUp(f.repo::newReader, c2);
            index.catchUp(f.repo::newReader, c1);
            assertThat(index.replayed()).as("nothing replayed for heads the index passed").isEqualTo(3);
            index.catchUp(f.repo::newReader, c3);
            assertThat(index.replayed()).isEqualTo(3);

            ObjectId c4 = f.put("c.txt", "4").revision();
            index.append(f.repo::newReader, c3, java.util.List.of(c4));
            assertThat(index.replayed()).as("a batch's own commit applied as it is").isEqualTo(4);
        }
    }

    @Test
    void modifiedIsTheLastCommitThatChangedThePathAndCreatedTheOneThatAddedIt() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId c1 = f.repo.write(ALICE, "setup", edit -> {
                edit.mkdir(p("docs"));
                edit.mkdir(p("other"));
                return null;
            }).revision();
            f.put("a.txt", "a1");
            ObjectId cA = f.repo.headId();
            tick();
            ObjectId c2 = f.put("docs/x.txt", "x").revision();
            tick();
            ObjectId c3 = f.put("other/y.txt", "y").revision();
            tick();
            ObjectId c4 = f.put("a.txt", "a2").revision();

            Instant t1 = timeOf(f, c1);
            Instant tA = timeOf(f, cA);
            Instant t2 = timeOf(f, c2);
            Instant t3 = timeOf(f, c3);
            Instant t4 = timeOf(f, c4);
            assertThat(t2).isAfter(tA);
            assertThat(t3).isAfter(t2);
            assertThat(t4).isAfter(t3);

            // a file: created by the commit that added it, modified by the last that changed it
            assertThat(times(f, "a.txt")).isEqualTo(new Timestamps(tA, t4));
            // unchanged by later commits to other paths
            assertThat(times(f, "docs/x.txt")).isEqualTo(new Timestamps(t2, t2));
            assertThat(times(f, "other/y.txt")).isEqualTo(new Timestamps(t3, t3));
            // a folder changes when a file below it changes, not when a sibling does
            assertThat(times(f, "docs")).isEqualTo(new Timestamps(t1, t2));
            assertThat(times(f, "other")).isEqualTo(new Timestamps(t1, t3));
            // the root changes with everything
            try (Snapshot s = f.repo.head()) {
                assertThat(s.times(s.root()).modified()).isEqualTo(t4);
                assertThat(s.times(s.root()).created()).isEqualTo(t1);
            }

            // a metadata-only change (PROPPATCH) of a file counts for its folder
            tick();
            ObjectId c5 = f.repo.write(ALICE, "PROPPATCH docs", edit -> {
                edit.setMetadata(p("docs"), "<p/>".getBytes());
                return null;
            }).revision();
            assertThat(times(f, "docs").modified()).isEqualTo(timeOf(f, c5));
            assertThat(times(f, "docs/x.txt")).isEqualTo(new Timestamps(t2, t2));
            assertThat(times(f, "other")).isEqualTo(new Timestamps(t1, t3));
        }
    }

    @Test
    void aDeepChangeTouchesEveryAncestorAndAReopenedRepositoryRebuildsTheSameTimes() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId c1 = f.repo.write(ALICE, "setup", edit -> {
                edit.mkdir(p("a"));
                edit.mkdir(p("a/b"));
                edit.mkdir(p("a/b/c"));
                edit.mkdir(p("z"));
                return null;
            }).revision();
            tick();
            ObjectId c2 = f.put("a/b/c/deep.txt", "d").revision();
            Instant t1 = timeOf(f, c1);
            Instant t2 = timeOf(f, c2);
            assertThat(t2).isAfter(t1);
            for (String folder : new String[] {"a", "a/b", "a/b/c"}) {
                assertThat(times(f, folder)).as(folder).isEqualTo(new Timestamps(t1, t2));
            }
            assertThat(times(f, "z")).isEqualTo(new Timestamps(t1, t1));
            assertThat(times(f, "a/b/c/deep.txt")).isEqualTo(new Timestamps(t2, t2));
        }
        // a new process replays the whole history and finds the same times
        try (Repositories again = new Repositories(tmp.resolve("data"), false)) {
            GitRepository r = again.open("o", "r");
            try (Snapshot s = r.head(); RevWalk rw = new RevWalk(r.jgit())) {
                Instant t2 = Instant.ofEpochSecond(rw.parseCommit(r.headId()).getCommitTime());
                assertThat(s.times(s.lookup(p("a/b")).orElseThrow()).modified()).isEqualTo(t2);
                assertThat(s.times(s.lookup(p("z")).orElseThrow()).modified()).isBefore(t2);
            }
        }
    }

    /** A past state (?rev=) must not report a modification time later than the state itself. */
    @Test
    void aPastSnapshotShowsTheTimesOfThatState() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId c1 = f.put("a.txt", "1").revision();
            Instant t1 = timeOf(f, c1);
            tick();
            ObjectId c2 = f.put("a.txt", "2").revision();
            assertThat(timeOf(f, c2)).isAfter(t1);
            try (Snapshot past = f.repo.at(c1.name())) {
                Timestamps t = past.times(past.lookup(p("a.txt")).orElseThrow());
                assertThat(t.modified()).isEqualTo(t1);
                assertThat(past.times(past.root()).modified()).isEqualTo(t1);
            }
        }
    }

    @Test
    void aFolderDeletedAndMadeAgainIsCreatedByTheCommitThatMadeItAgain() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("f");
            Instant t1 = timeOf(f, f.repo.headId());
            f.put("keep.txt", "k");
            tick();
            f.delete("f");
            ObjectId c2 = f.mkdir("f").revision();
            Instant t2 = timeOf(f, c2);
            assertThat(t2).isAfter(t1);
            assertThat(times(f, "f")).isEqualTo(new Timestamps(t2, t2));
        }
    }

    @Test
    void aFileDeletedAndWrittenAgainIsCreatedByTheCommitThatWroteItAgain() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "1");
            Instant t1 = timeOf(f, f.repo.headId());
            tick();
            f.delete("a.txt");
            ObjectId c2 = f.put("a.txt", "2").revision();
            Instant t2 = timeOf(f, c2);
            assertThat(t2).isAfter(t1);
            assertThat(times(f, "a.txt")).isEqualTo(new Timestamps(t2, t2));
        }
    }

    /**
     * The root is dated like every other folder: by the last commit that changed something in it, even when a
     * skewed clock gave that commit an earlier time than one before it (it used to take the latest time, which
     * only the whole history can tell; a repository whose index is still being built dates from the recent
     * history alone).
     */
    @Test
    void theRootIsDatedByItsLastChangeLikeEveryFolderEvenWithASkewedClock() throws Exception {
        Path git = tmp.resolve("data/o/r.git");
        try (OutsideHistory h = new OutsideHistory(git)) {
            h.commit(2_000_000, java.util.Map.of("docs/a.txt", "a"));
            h.commit(1_000_000, java.util.Map.of("docs/b.txt", "b")); // committed with a clock behind the first
        }
        try (Repositories repos = new Repositories(tmp.resolve("data"), false)) {
            try (Snapshot s = repos.open("o", "r").head()) {
                Timestamps docs = s.times(s.lookup(p("docs")).orElseThrow());
                assertThat(docs).isEqualTo(new Timestamps(Instant.ofEpochSecond(2_000_000), Instant.ofEpochSecond(1_000_000)));
                assertThat(s.times(s.root())).isEqualTo(docs);
            }
        }
    }
}
