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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal and group commit: concurrent writers share batches but keep one commit each; after a crash
 * (simulated by copying the data directory while the server runs, then damaging the copy as a lost page
 * cache would) the repository comes back with every acknowledged write.
 */
class CommitJournalTest {
    @TempDir
    Path tmp;

    private long savedDelay;

    @BeforeEach
    void noCheckpointDuringTheTest() {
        savedDelay = CommitJournal.checkpointDelayMs;
        CommitJournal.checkpointDelayMs = 600_000;
    }

    @AfterEach
    void restore() {
        CommitJournal.checkpointDelayMs = savedDelay;
    }

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
            try (RevWalk rw = new RevWalk(f.repo.jgit())) {
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
    void aCleanCloseLeavesNoJournalAndNeedsNoRecovery() throws Exception {
        Path gitDir;
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            gitDir = f.gitDir();
            assertThat(CommitJournal.segments(gitDir.resolve("davit-journal"))).isNotEmpty();
        }
        assertThat(CommitJournal.segments(gitDir.resolve("davit-journal"))).isEmpty();
    }

    @Test
    void afterACrashEveryAcknowledgedWriteIsBackEvenWithItsFilesLost() throws Exception {
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        List<ObjectId> lostFiles = new ArrayList<>();
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("keep.txt", "from before");
            for (int i = 0; i < 5; i++) {
                last = f.put("d-f" + i + ".txt", "content " + i).revision();
            }
            last = f.repo.headId();
            copyTree(f.repositories.dataDir(), crashed);
            // What a power cut can do to files written without fsync: the newest objects and the ref are gone.
            try (Repository r = open(crashed)) {
                RevCommit head = new RevWalk(r).parseCommit(last);
                lostFiles.add(head.copy());
                lostFiles.add(head.getTree().copy());
                lostFiles.add(blobId("content 4"));
            }
        }
        Path objects = crashed.resolve("o/r.git/objects");
        for (ObjectId id : lostFiles) {
            Files.delete(LooseObject.path(objects, id));
        }
        Files.writeString(crashed.resolve("o/r.git/refs/heads/main"), ""); // torn ref file
        assertThat(CommitJournal.segments(crashed.resolve("o/r.git/davit-journal"))).isNotEmpty();

        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            for (int i = 0; i < 5; i++) {
                assertThat(read(repo, "d-f" + i + ".txt")).isEqualTo("content " + i);
            }
            assertThat(read(repo, "keep.txt")).isEqualTo("from before");
            assertThat(CommitJournal.segments(crashed.resolve("o/r.git/davit-journal")))
                    .as("recovery checkpoints and starts a fresh segment").hasSize(1);
            // and it goes on working
            byte[] more = "more".getBytes(StandardCharsets.UTF_8);
            ObjectId blob = repo.insertBlob(new ByteArrayInputStream(more), more.length);
            WriteResult<Void> w = repo.write(ALICE, "PUT more", edit -> {
                edit.putFile(p("more.txt"), blob);
                return null;
            });
            assertThat(w.committed()).isTrue();
        }
    }

    @Test
    void aTornObjectLeftByACrashIsRemovedSoTheSameContentCanBeStoredAgain() throws Exception {
        Path crashed = tmp.resolve("crashed");
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            copyTree(f.repositories.dataDir(), crashed);
        }
        // A PUT whose blob was renamed into place but whose bytes never reached the disk, and whose write
        // was never acknowledged: the client will send the same bytes again.
        ObjectId id = blobId("retried upload");
        Path torn = LooseObject.path(crashed.resolve("o/r.git/objects"), id);
        Files.createDirectories(torn.getParent());
        Files.write(torn, new byte[0]);

        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(torn).doesNotExist();
            byte[] bytes = "retried upload".getBytes(StandardCharsets.UTF_8);
            ObjectId blob = repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
            assertThat(blob).isEqualTo(id);
            repo.write(ALICE, "PUT r.txt", edit -> {
                edit.putFile(p("r.txt"), blob);
                return null;
            });
            assertThat(read(repo, "r.txt")).isEqualTo("retried upload");
        }
    }

    @Test
    void aRecordCutShortByTheCrashIsIgnored() throws Exception {
        Path crashed = tmp.resolve("crashed");
        ObjectId last;
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            last = f.put("a.txt", "a").revision();
            copyTree(f.repositories.dataDir(), crashed);
        }
        List<Path> segments = CommitJournal.segments(crashed.resolve("o/r.git/davit-journal"));
        Path seg = segments.get(segments.size() - 1);
        Files.write(seg, new byte[] {0x44, 0x56, 0x4a, 0x31, 0, 0, 0x10, 0, 1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        try (Repositories again = new Repositories(crashed, true)) {
            GitRepository repo = again.open("o", "r");
            assertThat(repo.headId()).isEqualTo(last);
            assertThat(read(repo, "a.txt")).isEqualTo("a");
        }
    }

    @Test
    void recoveryNeverMovesTheBranchBackBehindAPush() throws Exception {
        Path crashed = tmp.resolve("crashed");
        ObjectId pushed;
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            copyTree(f.repositories.dataDir(), crashed);
        }
        try (Repository r = open(crashed)) {
            // a push on top of the journaled head, made outside Davit's journal
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

    private static ObjectId blobId(String content) {
        return new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
    }

    private static Repository open(Path dataDir) throws IOException {
        return new FileRepositoryBuilder().setGitDir(dataDir.resolve("o/r.git").toFile()).setBare().build();
    }

    private static String read(GitRepository repo, String path) throws Exception {
        try (RevWalk rw = new RevWalk(repo.jgit())) {
            RevCommit head = rw.parseCommit(repo.headId());
            try (TreeWalk tw = TreeWalk.forPath(repo.jgit(), path, head.getTree())) {
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
