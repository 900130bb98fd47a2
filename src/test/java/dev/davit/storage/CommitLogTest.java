package dev.davit.storage;

import dev.davit.storage.log.CommitLog;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit log and group commit: concurrent writers share batches but keep one commit each; after a
 * crash (simulated by copying the data directory while its disk writer is held, so that only the log has
 * the writes, then damaging the copy as a power cut would) the repository comes back with every
 * acknowledged write.
 */
class CommitLogTest {
    @TempDir
    Path tmp;

    @Test
    void concurrentWritersShareBatchesButEachGetsItsOwnCommit() throws Exception {
        int threads = 8;
        int writes = 30;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("seed.txt", "seed");
            long batchesBefore = f.repo.batchesCommitted();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<ObjectId>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<ObjectId> revisions = new ArrayList<>();
                    for (int i = 0; i < writes; i++) {
                        revisions.add(f.put("t" + thread + "-f" + i + ".txt", thread + ":" + i).revision());
                    }
                    return revisions;
                }));
            }
            start.countDown();
            Set<ObjectId> all = new HashSet<>();
            for (Future<List<ObjectId>> fu : futures) {
                all.addAll(fu.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).as("every write has its own revision").hasSize(threads * writes);
            try (RevWalk rw = new RevWalk(f.repo.newReader())) {
                rw.markStart(rw.parseCommit(f.repo.headId()));
                int commits = 0;
                Set<ObjectId> inHistory = new HashSet<>();
                for (RevCommit c; (c = rw.next()) != null; ) {
                    commits++;
                    inHistory.add(c.copy());
                    assertThat(c.getParentCount()).isLessThanOrEqualTo(1);
                }
                assertThat(commits).as("import-less repo: seed + one commit per write").isEqualTo(1 + threads * writes);
                assertThat(inHistory).containsAll(all);
            }
            long batches = f.repo.batchesCommitted() - batchesBefore;
            assertThat(batches).as("writers that queued were committed together").isLessThan(threads * writes);
            for (int t = 0; t < threads; t++) {
                assertThat(read(f.repo, "t" + t + "-f" + (writes - 1) + ".txt")).isEqualTo(t + ":" + (writes - 1));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingWriteInABatchFailsAloneAndTheOthersCommit() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            ObjectId blob = f.blob("b");
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                // Hold the write lock with a slow write so the next two queue into one batch.
                CountDownLatch inside = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                Future<?> slow = pool.submit(() -> f.repo.write(ALICE, "slow", edit -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    edit.putFile(p("slow.txt"), blob);
                    return null;
                }));
                assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
                Future<WriteResult<Void>> failing = pool.submit(() -> f.repo.write(ALICE, "fails", edit -> {
                    throw new StaleException(p("a.txt"), ObjectId.zeroId(), "0", "stale on purpose");
                }));
                Future<WriteResult<Void>> fine = pool.submit(() -> f.repo.write(ALICE, "fine", edit -> {
                    edit.putFile(p("b.txt"), blob);
                    return null;
                }));
                Thread.sleep(200); // both queued behind the slow one
                release.countDown();
                slow.get(10, TimeUnit.SECONDS);
                assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StaleException.class);
                WriteResult<Void> ok = fine.get(10, TimeUnit.SECONDS);
                assertThat(ok.committed()).isTrue();
                assertThat(f.repo.headId()).isEqualTo(ok.revision());
                assertThat(read(f.repo, "b.txt")).isEqualTo("b");
                assertThat(read(f.repo, "slow.txt")).isEqualTo("b");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aCleanCloseLeavesNoLogAndNeedsNoRecovery() throws Exception {
        Path gitDir;
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            gitDir = f.gitDir();
        }
        assertThat(CommitLog.segments(gitDir.resolve("davit-journal"))).isEmpty();
        try (Repository r = open(tmp.resolve("data"))) {
            assertThat(r.resolve("refs/heads/main:a.txt")).as("the repository on disk has the write").isNotNull();
        }
    }

    /** A data directory whose disk writer never runs: what is on disk is only what the log holds. */
    private static final class FrozenDisk implements AutoCloseable {
        final java.util.concurrent.ScheduledThreadPoolExecutor executor = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        final CountDownLatch thaw = new CountDownLatch(1);

        FrozenDisk() {
            executor.execute(() -> {
                try {
                    thaw.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        Repositories open(Path dataDir) throws IOException {
            return new Repositories(dataDir, true, 0, executor, System::nanoTime);
        }

        @Override
        public void close() {
            thaw.countDown();
        }
    }

    /**
     * Every write rewrites the tree of its folder, ~14 KB for 300 files here: the disk writer packs the versions
     * of a run as deltas of each other (JGit's PackWriter), not whole (594 MB of packs after 6,500 PUTs of
     * 1 KiB into big folders in a benchmark run before).
     */
    @Test
    void theDiskWriterStoresTheVersionsOfABigFolderAsDeltas() throws Exception {
        Path live = tmp.resolve("live");
        try (FrozenDisk frozen = new FrozenDisk(); Repositories repos = frozen.open(live)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            List<ObjectId> blobs = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] b = ("file " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                blobs.add(r.insertBlob(new java.io.ByteArrayInputStream(b), b.length)); // distinct ids: deflate cannot shrink them
            }
            r.write(ALICE, "300 files", edit -> {
                edit.mkdir(dev.davit.storage.StorageFixture.p("big"));
                for (int i = 0; i < 300; i++) {
                    edit.putFile(dev.davit.storage.StorageFixture.p("big/file-" + i + ".bin"), blobs.get(i));
                }
                return null;
            });
            for (int i = 0; i < 100; i++) {
                put(r, "big/new-" + i + ".txt", "new file " + i);
            }
            frozen.close();
            r.applyToDisk();
            long packBytes;
            try (java.util.stream.Stream<Path> files = Files.list(live.resolve("o/r.git/objects/pack"))) {
                packBytes = files.filter(f -> f.toString().endsWith(".pack")).mapToLong(f -> f.toFile().length()).sum();
            }
            // Whole, the 101 versions of big/ took 897 KB of packs (their object ids do not deflate).
            assertThat(packBytes).as("bytes of packs").isLessThan(300_000);
        }
        assertFsckClean(live);
    }

    /**
     * A sync the test holds: every {@code force} blocks while the gate is shut (and fails when told to), and says
     * that it is waiting.
     */
    private static final class HeldSync implements CommitLog.Sync {
        private final java.util.concurrent.LinkedBlockingQueue<Thread> waiting = new java.util.concurrent.LinkedBlockingQueue<>();
        private boolean shut;
        private boolean fail;

        synchronized void shut() {
            shut = true;
            waiting.clear();
        }

        synchronized void open(boolean failing) {
            shut = false;
            fail = failing;
            notifyAll();
        }

        /** The next force to wait at the shut gate. */
        Thread awaitWaiter() throws InterruptedException {
            return waiting.poll(60, TimeUnit.SECONDS);
        }

        @Override
        public void force(java.nio.channels.FileChannel segment) throws IOException {
            boolean failing;
            synchronized (this) {
                if (shut) {
                    waiting.add(Thread.currentThread());
                }
                try {
                    while (shut) {
                        wait();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                failing = fail;
            }
            if (failing) {
                throw new IOException("Input/output error (injected)");
            }
            segment.force(false);
        }
    }

    /**
     * Group commit without holding the writers back during the sync (issue 12; PostgreSQL's WAL insert apart
     * from its flush): while one batch's fdatasync runs, the next batch is built on its head and written; neither
     * is answered nor seen by readers before its record is synced, and then both are, in order.
     */
    @Test
    void theNextBatchIsBuiltWhileTheLastOneIsSynced() throws Exception {
        HeldSync sync = new HeldSync();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // The gate opens before the close (resources close in reverse), which syncs what is written.
        try (Repositories repos = new Repositories(tmp.resolve("data"), true).logSync(sync); AutoCloseable gate = () -> sync.open(false)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            ObjectId before = put(r, "seed.txt", "seed");
            sync.shut();
            Future<ObjectId> first = pool.submit(() -> put(r, "a.txt", "first"));
            assertThat(sync.awaitWaiter()).as("the first batch's sync waits").isNotNull();
            CountDownLatch built = new CountDownLatch(1);
            byte[] b = "second".getBytes(StandardCharsets.UTF_8);
            ObjectId blob = r.insertBlob(new ByteArrayInputStream(b), b.length);
            Future<ObjectId> second = pool.submit(() -> r.write(ALICE, "PUT b.txt", edit -> {
                assertThat(edit.lookup(p("a.txt"))).as("built on the first write").isPresent();
                edit.putFile(p("b.txt"), blob);
                built.countDown();
                return null;
            }).revision());
            assertThat(built.await(60, TimeUnit.SECONDS)).as("the second batch is built while the first one's sync runs").isTrue();
            assertThat(first.isDone()).as("nothing is answered before its record is synced").isFalse();
            assertThat(second.isDone()).isFalse();
            assertThat(r.headId()).as("readers see only what is synced").isEqualTo(before);
            assertThat(exists(r, "a.txt")).isFalse();

            sync.open(false);
            ObjectId a = first.get(60, TimeUnit.SECONDS);
            ObjectId bRev = second.get(60, TimeUnit.SECONDS);
            assertThat(r.headId()).isEqualTo(bRev);
            try (RevWalk rw = new RevWalk(r.newReader())) {
                assertThat(rw.parseCommit(bRev).getParent(0)).isEqualTo(a);
                assertThat(rw.parseCommit(a).getParent(0)).isEqualTo(before);
            }
            assertThat(read(r, "a.txt")).isEqualTo("first");
            assertThat(read(r, "b.txt")).isEqualTo("second");
        } finally {
            pool.shutdownNow();
        }
        assertFsckClean(tmp.resolve("data"));
    }

    /**
     * A failed fdatasync loses the records written since the last good one (the kernel may have dropped their
     * pages): their writes fail, and so does the batch built on them, never acknowledged; the log holds neither
     * (cut off, its segment no longer written), the next write builds on the last acknowledged head, and a
     * restart finds exactly the acknowledged writes.
     */
    @Test
    void aFailedSyncFailsItsBatchAndTheOneBuiltOnItAndLeavesTheLogAsItWas() throws Exception {
        HeldSync sync = new HeldSync();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Path data = tmp.resolve("data");
        ObjectId before;
        ObjectId after;
        try (Repositories repos = new Repositories(data, true).logSync(sync); AutoCloseable gate = () -> sync.open(false)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            before = put(r, "seed.txt", "seed");
            sync.shut();
            Future<ObjectId> first = pool.submit(() -> put(r, "a.txt", "first"));
            assertThat(sync.awaitWaiter()).isNotNull();
            CountDownLatch built = new CountDownLatch(1);
            Future<ObjectId> second = pool.submit(() -> r.write(ALICE, "PUT b.txt", edit -> {
                edit.mkdir(p("b"));
                built.countDown();
                return null;
            }).revision());
            assertThat(built.await(60, TimeUnit.SECONDS)).isTrue();
            sync.open(true);
            assertThatThrownBy(() -> first.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                    .hasStackTraceContaining("injected");
            assertThatThrownBy(() -> second.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                    .hasStackTraceContaining("injected");
            assertThat(r.headId()).as("nothing of either is published").isEqualTo(before);

            sync.open(false);
            after = put(r, "c.txt", "after");
            try (RevWalk rw = new RevWalk(r.newReader())) {
                assertThat(rw.parseCommit(after).getParent(0)).as("built on the last acknowledged head").isEqualTo(before);
            }
            assertThat(CommitLog.readAll(data.resolve("o/r.git/davit-journal")))
                    .as("the lost records are cut off (their commits are nowhere: parsing one fails)")
                    .extracting(CommitLog.Record::newHead).allSatisfy(h -> {
                        try (RevWalk rw = new RevWalk(r.newReader())) {
                            assertThat(rw.isMergedInto(rw.parseCommit(h), rw.parseCommit(after))).as(h.name()).isTrue();
                        }
                    });
        } finally {
            pool.shutdownNow();
        }
        try (Repositories again = new Repositories(data, true)) {
            GitRepository r = again.open("o", "r");
            assertThat(r.headId()).isEqualTo(after);
            assertThat(exists(r, "a.txt")).isFalse();
            assertThat(read(r, "c.txt")).isEqualTo("after");
        }
        assertFsckClean(data);
    }

    /**
     * A segment made ahead is filled with zeros (PostgreSQL's WAL segments): appends into it leave its size as it
     * is, so an fdatasync writes the data alone, without a journal commit for a new size; readers stop at the
     * zeros after the last record.
     */
    @Test
    void aSegmentMadeAheadIsFilledWithZerosThatAppendsDoNotGrow() throws Exception {
        Path dir = tmp.resolve("log");
        long[] now = {0};
        ObjectId a = ObjectId.fromString("1111111111111111111111111111111111111111");
        ObjectId b = ObjectId.fromString("2222222222222222222222222222222222222222");
        ObjectId c = ObjectId.fromString("3333333333333333333333333333333333333333");
        try (CommitLog log = new CommitLog(dir, true, "test", () -> now[0])) {
            log.append(new CommitLog.Record("refs/heads/main", null, a, List.of()));
            assertThat(log.prepareRotation()).as("the first segment, made by a write, has no zeros ahead: ended at once")
                    .isNotNull().satisfies(p -> {
                        assertThat(p.zeros()).isGreaterThanOrEqualTo(64 << 10);
                        synchronized (log) {
                            assertThat(log.rotateTo(p)).isEqualTo(1);
                        }
                    });
            Path second = CommitLog.segments(dir).get(1);
            long size = Files.size(second);
            log.append(new CommitLog.Record("refs/heads/main", a, b, List.of()));
            log.append(new CommitLog.Record("refs/heads/main", b, c, List.of()));
            assertThat(Files.size(second)).as("appends inside the zeros").isEqualTo(size);
            assertThat(log.prepareRotation()).as("not due: young, and inside its zeros").isNull();
        }
        assertThat(CommitLog.readAll(dir)).extracting(CommitLog.Record::newHead).containsExactly(a, b, c);
    }

    /**
     * Cluster mode appends records the Raft log holds durably, unsynced here: no zeros are written ahead for them,
     * and a young segment is not ended early for want of zeros (it was, at every run of the disk writer).
     */
    @Test
    void aLogWhoseRecordsAnotherLogHoldsFillsNoZerosAhead() throws Exception {
        Path dir = tmp.resolve("log");
        ObjectId a = ObjectId.fromString("1111111111111111111111111111111111111111");
        ObjectId b = ObjectId.fromString("2222222222222222222222222222222222222222");
        try (CommitLog log = new CommitLog(dir, true, "test", () -> 0)) {
            log.append(new CommitLog.Record("refs/heads/main", null, a, List.of()), false);
            log.append(new CommitLog.Record("refs/heads/main", a, b, List.of()), false);
            assertThat(log.prepareRotation()).as("young and small: not due").isNull();
        }
        assertThat(CommitLog.readAll(dir)).extracting(CommitLog.Record::newHead).containsExactly(a, b);
    }

    @Test
    void afterACrashEveryAcknowledgedWriteIsBackFromTheLogAlone() throws Exception {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        ObjectId before;
        try (FrozenDisk frozen = new FrozenDisk()) {
            try (Repositories repos = new Repositories(live, true)) {
                GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
                put(r, "keep.txt", "from before");
                r.applyToDisk();
                before = r.headId();
            }
            try (Repositories repos = frozen.open(live)) {
                GitRepository r = repos.open("o", "r");
                for (int i = 0; i < 5; i++) {
                    put(r, "d-f" + i + ".txt", "content " + i);
                }
                last = r.headId();
                try (Repository disk = open(live)) {
                    assertThat(disk.resolve("refs/heads/main")).as("the disk has not caught up").isEqualTo(before);
                }
                copyTree(live, crashed); // the power cut: what the disk has, which is the log and the old state
                frozen.close();
            }
        }
        Files.writeString(crashed.resolve("o/r.git/refs/heads/main"), ""); // and a torn ref file
        assertThat(CommitLog.segments(crashed.resolve("o/r.git/davit-journal"))).isNotEmpty();

        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            for (int i = 0; i < 5; i++) {
                assertThat(read(repo, "d-f" + i + ".txt")).isEqualTo("content " + i);
            }
            assertThat(read(repo, "keep.txt")).isEqualTo("from before");
            repo.applyToDisk();
            try (Repository disk = open(crashed)) {
                assertThat(disk.resolve("refs/heads/main")).isEqualTo(last);
            }
            put(repo, "more.txt", "more"); // and it goes on working
        }
        assertFsckClean(crashed);
    }

    /**
     * A write into a folder of thousands of files rewrites a tree of ~100 KB: the log holds it as a delta of the
     * version it replaced, and after a crash the log alone brings every write back, the deltas resolved against
     * the trees of earlier records and of the repository on disk.
     */
    @Test
    void writesIntoABigFolderAreLoggedAsDeltasAndComeBackAfterACrash() throws Exception {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        long treeBytes;
        try (FrozenDisk frozen = new FrozenDisk()) {
            try (Repositories repos = new Repositories(live, true)) {
                GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
                List<ObjectId> blobs = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    byte[] b = ("file " + i).getBytes(StandardCharsets.UTF_8);
                    blobs.add(r.insertBlob(new ByteArrayInputStream(b), b.length));
                }
                r.write(ALICE, "2000 files", edit -> {
                    edit.mkdir(p("big"));
                    for (int i = 0; i < 2000; i++) {
                        edit.putFile(p("big/file-" + i + ".bin"), blobs.get(i));
                    }
                    return null;
                });
                r.applyToDisk();
                try (Repository disk = open(live); TreeWalk tw = TreeWalk.forPath(disk, "big", disk.parseCommit(disk.resolve("refs/heads/main")).getTree())) {
                    treeBytes = disk.open(tw.getObjectId(0)).getSize();
                }
            }
            try (Repositories repos = frozen.open(live)) {
                GitRepository r = repos.open("o", "r");
                for (int i = 0; i < 30; i++) {
                    put(r, "big/new-" + i + ".txt", "new file " + i); // the first one's base is on disk, the rest in the log
                }
                r.write(ALICE, "a new folder inside", edit -> {
                    edit.mkdir(p("big/sub"));
                    return null;
                });
                put(r, "big/sub/deeper.txt", "a new folder inside");
                last = r.headId();
                copyTree(live, crashed);
                frozen.close();
            }
        }
        long logBytes;
        try (Stream<Path> s = Files.list(crashed.resolve("o/r.git/davit-journal"))) {
            logBytes = s.mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(treeBytes).as("the folder's tree").isGreaterThan(60_000);
        assertThat(logBytes).as("31 writes into a folder whose tree is %d bytes", treeBytes).isLessThan(3 * treeBytes);

        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            for (int i = 0; i < 30; i++) {
                assertThat(read(repo, "big/new-" + i + ".txt")).isEqualTo("new file " + i);
            }
            assertThat(read(repo, "big/file-1999.bin")).isEqualTo("file 1999");
            assertThat(read(repo, "big/sub/deeper.txt")).isEqualTo("a new folder inside");
            repo.applyToDisk();
        }
        assertFsckClean(crashed);
    }

    /**
     * A folder whose tree git wrote out of order (a push may bring one) is read into the edit's overlay, not kept
     * as its base bytes, so the write has no base bytes for a delta: its writes are logged and come back after a
     * crash all the same.
     */
    @Test
    void aWriteIntoAFolderStoredOutOfOrderComesBackAfterACrash() throws Exception {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        try (Repositories repos = new Repositories(live, true)) {
            put(repos.createIfMissing("o", "r", null, ALICE), "seed.txt", "seed");
        }
        try (Repository disk = open(live); ObjectInserter ins = disk.newObjectInserter()) {
            org.eclipse.jgit.lib.TreeFormatter unsorted = new org.eclipse.jgit.lib.TreeFormatter();
            for (int i = 300; i > 0; i--) {
                unsorted.append("f" + i, org.eclipse.jgit.lib.FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB, ("file " + i).getBytes(StandardCharsets.UTF_8)));
            }
            org.eclipse.jgit.lib.CommitBuilder cb = new org.eclipse.jgit.lib.CommitBuilder();
            cb.setTreeId(ins.insert(unsorted));
            cb.setParentId(disk.resolve("refs/heads/main"));
            cb.setAuthor(new org.eclipse.jgit.lib.PersonIdent("Git", "git@example.org"));
            cb.setCommitter(cb.getAuthor());
            cb.setMessage("pushed out of order");
            ObjectId commit = ins.insert(cb);
            ins.flush();
            org.eclipse.jgit.lib.RefUpdate ru = disk.updateRef("refs/heads/main");
            ru.setNewObjectId(commit);
            ru.setForceUpdate(true);
            assertThat(ru.update()).isIn(org.eclipse.jgit.lib.RefUpdate.Result.FORCED, org.eclipse.jgit.lib.RefUpdate.Result.FAST_FORWARD);
        }
        try (FrozenDisk frozen = new FrozenDisk(); Repositories repos = frozen.open(live)) {
            GitRepository r = repos.open("o", "r");
            put(r, "new.txt", "written after");
            last = put(r, "newer.txt", "and again");
            copyTree(live, crashed);
            frozen.close();
        }
        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            assertThat(read(repo, "new.txt")).isEqualTo("written after");
            assertThat(read(repo, "newer.txt")).isEqualTo("and again");
            assertThat(read(repo, "f1")).isEqualTo("file 1");
            repo.applyToDisk();
        }
    }

    /** Two versions of a 500-entry tree and the delta from the first to the second. */
    private record TwoTrees(byte[] base, ObjectId baseId, byte[] next, ObjectId nextId, byte[] delta) {
        static TwoTrees make() throws IOException {
            org.eclipse.jgit.lib.TreeFormatter a = new org.eclipse.jgit.lib.TreeFormatter();
            org.eclipse.jgit.lib.TreeFormatter b = new org.eclipse.jgit.lib.TreeFormatter();
            for (int i = 0; i < 501; i++) {
                if (i < 500) {
                    a.append("f" + i, org.eclipse.jgit.lib.FileMode.REGULAR_FILE, ObjectId.zeroId());
                }
                b.append("f" + i, org.eclipse.jgit.lib.FileMode.REGULAR_FILE, ObjectId.zeroId());
            }
            ObjectInserter.Formatter ids = new ObjectInserter.Formatter();
            byte[] base = a.toByteArray();
            byte[] next = b.toByteArray();
            return new TwoTrees(base, ids.idFor(Constants.OBJ_TREE, base), next, ids.idFor(Constants.OBJ_TREE, next),
                    dev.davit.storage.objects.KnownDeltas.delta(base, next));
        }

        dev.davit.storage.objects.NewObject logged() {
            return new dev.davit.storage.objects.NewObject(nextId, Constants.OBJ_TREE, next, baseId, delta);
        }
    }

    /**
     * A delta whose base is nowhere does not end the log (the writes after it were acknowledged too): the record
     * reads back with its heads and why its objects cannot be read, and the records after it read as usual.
     */
    @Test
    void aLoggedDeltaWhoseBaseIsNowhereDoesNotEndTheLog() throws Exception {
        Path dir = tmp.resolve("journal");
        TwoTrees t = TwoTrees.make();
        ObjectId after = ObjectId.fromString("3333333333333333333333333333333333333333");
        try (CommitLog log = new CommitLog(dir, true, "t", System::nanoTime)) {
            log.append(new CommitLog.Record("refs/heads/main", t.baseId(), t.nextId(), List.of(t.logged())));
            log.append(new CommitLog.Record("refs/heads/main", t.nextId(), after, List.of()));
        }
        assertThat(Files.size(CommitLog.segments(dir).get(0))).as("the record holds the delta").isLessThan(t.base().length / 4);

        List<CommitLog.Record> unresolved = CommitLog.readAll(dir);
        assertThat(unresolved).hasSize(2);
        assertThat(unresolved.get(0).unreadable()).contains(t.baseId().name());
        assertThat(unresolved.get(0).newHead()).isEqualTo(t.nextId());
        assertThat(unresolved.get(0).objects()).isEmpty();
        assertThat(unresolved.get(1).unreadable()).isNull();
        assertThat(unresolved.get(1).newHead()).isEqualTo(after);

        List<CommitLog.Record> records = CommitLog.readAll(dir, id -> id.equals(t.baseId()) ? t.base() : null);
        assertThat(records.get(0).unreadable()).isNull();
        assertThat(records.get(0).objects()).singleElement().satisfies(o -> assertThat(o.bytes()).isEqualTo(t.next()));
    }

    /**
     * Recovery skips a record it does not need even when its delta's base is gone (applied before; its segment
     * back after a power cut, its history replaced by a push and its trees repacked away since), and refuses to
     * open the repository when it needs one, rather than lose the writes after it.
     */
    @Test
    void recoveryNeedsOnlyTheRecordsItAppliesToBeReadable() throws Exception {
        Path data = tmp.resolve("data");
        ObjectId head;
        try (Repositories repos = new Repositories(data, true)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            head = put(r, "a.txt", "a");
            r.applyToDisk();
        }
        Path journal = data.resolve("o/r.git/davit-journal");
        TwoTrees t = TwoTrees.make(); // its base is in no repository
        ObjectId elsewhere = ObjectId.fromString("4444444444444444444444444444444444444444");
        try (CommitLog log = new CommitLog(journal, true, "t", System::nanoTime)) {
            log.append(new CommitLog.Record("refs/heads/main", elsewhere, t.nextId(), List.of(t.logged())));
        }
        try (Repositories again = new Repositories(data, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).as("the unreadable record is not on the branch's chain: skipped").isEqualTo(head);
            assertThat(read(repo, "a.txt")).isEqualTo("a");
        }

        try (CommitLog log = new CommitLog(journal, true, "t", System::nanoTime)) {
            log.append(new CommitLog.Record("refs/heads/main", head, t.nextId(), List.of(t.logged())));
        }
        try (Repositories again = new Repositories(data, true)) {
            assertThatThrownBy(() -> again.open("o", "r")).as("a record the branch needs cannot be read")
                    .hasStackTraceContaining("is needed but cannot be read").hasStackTraceContaining(t.baseId().name());
        }
    }

    @Test
    void aRecordCutShortByTheCrashIsIgnored() throws Exception {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        try (FrozenDisk frozen = new FrozenDisk(); Repositories repos = frozen.open(live)) {
            GitRepository r = repos.createIfMissing("o", "r", null, ALICE);
            last = put(r, "a.txt", "a");
            copyTree(live, crashed);
            frozen.close();
        }
        List<Path> segments = CommitLog.segments(crashed.resolve("o/r.git/davit-journal"));
        Path seg = segments.get(segments.size() - 1);
        Files.write(seg, new byte[] {0x44, 0x56, 0x4a, 0x31, 0, 0, 0x10, 0, 1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            assertThat(read(repo, "a.txt")).isEqualTo("a");
        }
    }

    /**
     * Review hazard: recovery must publish only records made on the branch's value. A record whose old id
     * is not the branch on disk (already applied before a trim was lost, or made on a value a push replaced)
     * is skipped, so the branch never moves back behind a push.
     */
    @Test
    void recoveryNeverMovesTheBranchBackBehindAPush() throws Exception {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        ObjectId pushed;
        try (FrozenDisk frozen = new FrozenDisk()) {
            try (Repositories repos = new Repositories(live, true)) {
                put(repos.createIfMissing("o", "r", null, ALICE), "a.txt", "a");
            }
            try (Repositories repos = frozen.open(live)) {
                put(repos.open("o", "r"), "b.txt", "b"); // logged, not on disk
                copyTree(live, crashed);
                frozen.close();
            }
        }
        try (Repository r = open(crashed)) {
            // a push on top of the disk's head, made outside Davit: the logged record's old id is no longer the branch
            try (ObjectInserter ins = r.newObjectInserter(); RevWalk rw = new RevWalk(r)) {
                RevCommit head = rw.parseCommit(r.resolve("refs/heads/main"));
                org.eclipse.jgit.lib.CommitBuilder cb = new org.eclipse.jgit.lib.CommitBuilder();
                cb.setTreeId(head.getTree());
                cb.setParentId(head);
                cb.setAuthor(new org.eclipse.jgit.lib.PersonIdent("git", "git@example.org"));
                cb.setCommitter(cb.getAuthor());
                cb.setMessage("pushed\n");
                pushed = ins.insert(cb);
                ins.flush();
                org.eclipse.jgit.lib.RefUpdate ru = r.updateRef("refs/heads/main");
                ru.setNewObjectId(pushed);
                assertThat(ru.update()).isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.FAST_FORWARD);
            }
        }
        try (Repositories again = new Repositories(crashed, true)) {
            assertThat(again.open("o", "r").headId()).isEqualTo(pushed);
        }
    }

    /**
     * Records are written with raw object bytes ("DVJ2"); a log left by the version before, whose records hold
     * deflated loose objects ("DVJ1"), is still read, so an upgrade after a crash loses nothing.
     */
    @Test
    void aLogOfTheLooseFormatIsStillRead() throws Exception {
        Path dir = tmp.resolve("log");
        Files.createDirectories(dir);
        byte[] content = "from the old format\n".getBytes(StandardCharsets.UTF_8);
        ObjectId id = blobId("from the old format\n");
        dev.davit.storage.objects.LooseObject loose = dev.davit.storage.objects.LooseObject.of(Constants.OBJ_BLOB, content, 0, content.length);
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(payload)) {
            out.writeUTF("refs/heads/main");
            out.write(new byte[20]);
            byte[] raw = new byte[20];
            id.copyRawTo(raw, 0);
            out.write(raw); // any id serves as the new head here
            out.writeInt(1);
            out.write(raw);
            out.writeInt(loose.deflated().length);
            out.write(loose.deflated());
        }
        byte[] p = payload.toByteArray();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(p);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(12 + p.length);
        buf.putInt(0x44564a31).putInt(p.length).putInt((int) crc.getValue()).put(p);
        Files.write(dir.resolve("segment-0000000000000001"), buf.array());
        try (dev.davit.storage.log.CommitLog log = new dev.davit.storage.log.CommitLog(dir, true, "t", System::nanoTime)) {
            log.append(new dev.davit.storage.log.CommitLog.Record("refs/heads/main", id, id, List.of(
                    new dev.davit.storage.objects.NewObject(id, Constants.OBJ_BLOB, content))));
        }
        List<dev.davit.storage.log.CommitLog.Record> records = dev.davit.storage.log.CommitLog.readAll(dir);
        assertThat(records).hasSize(2);
        for (dev.davit.storage.log.CommitLog.Record r : records) {
            assertThat(r.objects()).singleElement().satisfies(o -> {
                assertThat(o.id()).isEqualTo(id);
                assertThat(o.type()).isEqualTo(Constants.OBJ_BLOB);
                assertThat(o.bytes()).isEqualTo(content);
            });
        }
    }

    private static ObjectId put(GitRepository r, String path, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ObjectId blob = r.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        return r.write(ALICE, "PUT " + path, edit -> {
            edit.putFile(p(path), blob);
            return null;
        }).revision();
    }

    static void assertFsckClean(Path dataDir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("git", "--git-dir=" + dataDir.resolve("o/r.git"), "fsck", "--full", "--strict", "--no-dangling");
        pb.redirectErrorStream(true);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor()).as(out).isZero();
    }

    private static ObjectId blobId(String content) {
        return new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
    }

    private static Repository open(Path dataDir) throws IOException {
        return new FileRepositoryBuilder().setGitDir(dataDir.resolve("o/r.git").toFile()).setBare().build();
    }

    private static boolean exists(GitRepository repo, String path) throws Exception {
        try (org.eclipse.jgit.lib.ObjectReader reader = repo.newReader(); RevWalk rw = new RevWalk(reader);
             TreeWalk tw = TreeWalk.forPath(reader, path, rw.parseCommit(repo.headId()).getTree())) {
            return tw != null;
        }
    }

    private static String read(GitRepository repo, String path) throws Exception {
        try (org.eclipse.jgit.lib.ObjectReader reader = repo.newReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit head = rw.parseCommit(repo.headId());
            try (TreeWalk tw = TreeWalk.forPath(reader, path, head.getTree())) {
                assertThat(tw).as(path).isNotNull();
                return new String(repo.readBlob(tw.getObjectId(0)), StandardCharsets.UTF_8);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
