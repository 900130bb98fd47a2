package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.eclipse.jgit.lib.ObjectId;
import dev.davit.testutil.OutsideHistory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository Davit never opened (made by git fast-import, a push of a long history, its index file lost) is
 * answered at once: its last-modified index is built in the background, and meanwhile the times come from the
 * recent history, or, when that cannot tell them, from the index once built (by the request itself when the
 * build has not started). The background here is an executor that holds the builds until the test runs them.
 */
class BackgroundIndexBuildTest {
    @TempDir
    Path tmp;

    /** Builds handed to the background, run only when the test says. */
    private final List<Runnable> held = new CopyOnWriteArrayList<>();
    private final Executor background = held::add;

    private Repositories repositories() throws Exception {
        return new Repositories(tmp.resolve("data"), false, 0, new ScheduledThreadPoolExecutor(1), background, System::nanoTime);
    }

    private void runHeld() {
        for (Runnable r : held) {
            held.remove(r);
            r.run();
        }
    }

    private static Instant at(long seconds) {
        return Instant.ofEpochSecond(seconds);
    }

    /**
     * {@code old.txt}, {@code a.txt} and {@code docs/d.txt} at 1000, then 30 commits changing {@code a.txt} (2000 to
     * 2029); returns the first commit.
     */
    private ObjectId thirtyOneCommits() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("data/o/r.git"))) {
            ObjectId first = h.commit(1000, Map.of("old.txt", "o", "a.txt", "a", "docs/d.txt", "d"));
            for (int i = 0; i < 30; i++) {
                h.commit(2000 + i, Map.of("a.txt", "a" + i));
            }
            return first;
        }
    }

    @Test
    void aRepositoryNeverOpenedIsAnsweredFromItsRecentHistoryWhileItsIndexIsBuilt() throws Exception {
        thirtyOneCommits();
        try (Repositories repos = repositories()) {
            GitRepository r = repos.open("o", "r");
            assertThat(held).as("the index is built in the background, not by the opening").hasSize(1);
            try (Snapshot s = r.head()) {
                assertThat(s.modified(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(at(2029));
                assertThat(s.times(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(2029)));
                assertThat(s.times(s.lookup(p("old.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
                assertThat(s.times(s.lookup(p("docs/d.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
                assertThat(s.times(s.root())).isEqualTo(new Timestamps(at(1000), at(2029)));
            }
            assertThat(r.indexReplayed()).as("nothing replayed: all told by the history").isZero();

            runHeld();
            assertThat(r.indexReplayed()).isEqualTo(31);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(2029)));
                assertThat(s.times(s.lookup(p("docs")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
            }
        }
        // and it is stored: the next opening replays nothing and builds nothing
        held.clear();
        try (Repositories repos = repositories()) {
            assertThat(repos.open("o", "r").indexReplayed()).isZero();
            assertThat(held).isEmpty();
        }
    }

    @Test
    void whatTheRecentHistoryCannotTellWaitsForTheIndexWhichTheRequestBuildsIfNotStarted() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("data/o/r.git"))) {
            ObjectId base = h.commit(1000, Map.of("main.txt", "m", "side.txt", "s"));
            ObjectId side = h.commitOn(base, 1100, Map.of("side.txt", "s2"));
            h.commit(1200, Map.of("main.txt", "m2"));
            h.merge(1300, side, Map.of("side.txt", "s2"));
            h.commit(1400, Map.of("new.txt", "n"));
        }
        try (Repositories repos = repositories()) {
            GitRepository r = repos.open("o", "r");
            try (Snapshot s = r.head()) {
                assertThat(s.modified(s.lookup(p("side.txt")).orElseThrow())).isEqualTo(at(1300)); // the merge
                assertThat(r.indexReplayed()).isZero();
                // main.txt changed before the merge: only the index tells
                assertThat(s.modified(s.lookup(p("main.txt")).orElseThrow())).isEqualTo(at(1200));
                assertThat(r.indexReplayed()).as("built by the request that needed it").isEqualTo(5);
                assertThat(s.times(s.root())).isEqualTo(new Timestamps(at(1000), at(1400)));
            }
            runHeld(); // started already: nothing more to do
            assertThat(r.indexReplayed()).isEqualTo(5);
        }
    }

    @Test
    void writesDuringTheBuildAreAnsweredAndTheBuildCatchesUpWithThem() throws Exception {
        thirtyOneCommits();
        try (Repositories repos = repositories()) {
            GitRepository r = repos.open("o", "r");
            WriteResult<Void> w = r.write(ALICE, "PUT new.txt", edit -> {
                edit.putFile(p("new.txt"), r.insertBlob(new ByteArrayInputStream(new byte[] {1}), 1));
                return null;
            });
            Instant written;
            try (Snapshot s = r.head()) {
                written = s.commitTime();
                assertThat(s.revision()).isEqualTo(w.revision());
                assertThat(s.times(s.lookup(p("new.txt")).orElseThrow())).isEqualTo(new Timestamps(written, written));
                assertThat(s.modified(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(at(2029));
            }
            assertThat(r.indexReplayed()).isZero();
            runHeld();
            assertThat(r.indexReplayed()).as("the history, then the write made meanwhile").isEqualTo(32);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("new.txt")).orElseThrow())).isEqualTo(new Timestamps(written, written));
                assertThat(s.times(s.lookup(p("old.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
            }
        }
    }

    @Test
    void aPastStateWaitsForTheIndex() throws Exception {
        String first = thirtyOneCommits().name();
        try (Repositories repos = repositories()) {
            GitRepository r = repos.open("o", "r");
            try (Snapshot past = r.at(first.substring(0, 12))) {
                assertThat(past.times(past.lookup(p("a.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
            }
            assertThat(r.indexReplayed()).isEqualTo(31);
        }
    }

    /**
     * A server's start ({@link Repositories#indexInBackground}) opens the repositories whose index is not stored at
     * their head, so a listing of one never opened (a folder of files added over many commits, as the benchmark's
     * fast-import makes it, is more than the recent history tells) finds its index built instead of waiting for
     * the build. One whose index is stored at its head builds nothing.
     */
    @Test
    void repositoriesThereAtTheStartHaveTheirIndexBuiltBeforeTheirFirstRequest() throws Exception {
        try (OutsideHistory h = new OutsideHistory(tmp.resolve("data/o/stored.git"))) {
            h.commit(500, Map.of("s.txt", "s"));
        }
        try (Repositories repos = repositories()) {
            repos.open("o", "stored");
            runHeld(); // its index built, and stored at the close
        }
        assertThat(held).isEmpty();
        thirtyOneCommits();
        try (Repositories repos = repositories()) {
            repos.indexInBackground(Duration.ofDays(1)); // no look but the start's here
            assertThat(held).as("the look at the repositories runs in the background").hasSize(1);
            held.remove(0).run();
            assertThat(held).as("o/r's build, before any request; o/stored's index is at its head").hasSize(1);
            assertThat(repos.isOpen("o/stored")).isFalse();
            runHeld();

            GitRepository r = repos.open("o", "r");
            assertThat(r.indexReplayed()).as("built before the first request").isEqualTo(31);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("old.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
                assertThat(s.times(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(2029)));
            }
            assertThat(repos.open("o", "stored").indexReplayed()).isZero();
            assertThat(held).isEmpty();
        }
    }

    /** Runs the next look {@link Repositories#indexInBackground} queued (its timer queues one at a time). */
    private void runNextLook() {
        dev.davit.testutil.Conditions.await("a look queued", java.util.concurrent.TimeUnit.SECONDS.toNanos(30), () -> !held.isEmpty());
        held.remove(0).run();
    }

    /**
     * A repository made outside while the server runs (fast-import into the data directory) is opened by a later
     * look, once its branch stayed where it was from one look to the next (not in the middle of the import), and
     * its index is built before its first request.
     */
    @Test
    void aRepositoryMadeWhileTheServerRunsIsOpenedOnceItsBranchSettled() throws Exception {
        try (Repositories repos = repositories()) {
            repos.indexInBackground(Duration.ofMillis(1));
            runNextLook(); // the start's: nothing there
            try (OutsideHistory h = new OutsideHistory(tmp.resolve("data/o/r.git"))) {
                h.commit(1000, Map.of("old.txt", "o", "a.txt", "a"));
                h.publish();
                runNextLook();
                assertThat(repos.isOpen("o/r")).as("seen once: perhaps an import under way").isFalse();
                h.commit(2000, Map.of("a.txt", "a2"));
                h.publish();
                runNextLook();
                assertThat(repos.isOpen("o/r")).as("moved since the last look").isFalse();
            }
            runNextLook();
            assertThat(repos.isOpen("o/r")).as("where it was at the last look").isTrue();
            runHeld(); // its build (and perhaps a look)
            GitRepository r = repos.open("o", "r");
            assertThat(r.indexReplayed()).as("built before the first request").isEqualTo(2);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("old.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(1000)));
                assertThat(s.times(s.lookup(p("a.txt")).orElseThrow())).isEqualTo(new Timestamps(at(1000), at(2000)));
            }
        }
    }

    @Test
    void aRepositoryClosedBeforeItsBuildStartedNeverRunsIt() throws Exception {
        thirtyOneCommits();
        GitRepository r;
        try (Repositories repos = repositories()) {
            r = repos.open("o", "r");
            assertThat(held).hasSize(1);
        }
        runHeld(); // after the close: it does nothing
        assertThat(r.indexReplayed()).isZero();
    }
}
