package dev.davit.storage;


import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.BOB;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentWriteTest {
    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void writersOfDifferentPathsAllSucceedAndNothingIsLost() throws Exception {
        int threads = 8;
        int writes = 25;
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int committed = 0;
                    for (int i = 0; i < writes; i++) {
                        String path = "t" + thread + "-f" + i + ".txt";
                        byte[] body = (thread + "/" + i).getBytes(StandardCharsets.UTF_8);
                        ObjectId blob = f.repo.insertBlob(new java.io.ByteArrayInputStream(body), body.length);
                        WriteResult<Void> r = f.repo.write(thread % 2 == 0 ? ALICE : BOB, "PUT " + path, edit -> {
                            edit.putFile(p(path), blob);
                            return null;
                        });
                        if (r.committed()) {
                            committed++;
                        }
                    }
                    return committed;
                }));
            }
            start.countDown();
            int committed = 0;
            for (Future<Integer> r : results) {
                committed += r.get(60, TimeUnit.SECONDS);
            }
            assertThat(committed).isEqualTo(threads * writes);

            List<String> files = f.walkAll();
            assertThat(files).hasSize(threads * writes);
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < writes; i++) {
                    assertThat(f.read("t" + t + "-f" + i + ".txt")).isEqualTo(t + "/" + i);
                }
            }
            List<RevCommit> history = f.history();
            assertThat(history).hasSize(threads * writes);
            assertThat(history).allSatisfy(c -> assertThat(c.getParentCount()).isLessThanOrEqualTo(1));
            // linear: each commit's parent is the next one in the walk
            for (int i = 0; i < history.size() - 1; i++) {
                assertThat(history.get(i).getParent(0).getId()).isEqualTo(history.get(i + 1).getId());
            }
            f.assertFsckClean();
        }
    }

    @Test
    void twoReadCheckWritesOnTheSameFileNeverLoseAnUpdate() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("shared.txt", "v0");
            for (int round = 0; round < 20; round++) {
                ObjectId expected = f.lookup("shared.txt").orElseThrow().id();
                int commitsBefore = f.commitCount();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> outcomes = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String content = "round " + round + " writer " + w;
                    ObjectId blob = f.blob(content);
                    outcomes.add(pool.submit(() -> {
                        go.await();
                        try {
                            f.repo.write(ALICE, "PUT shared.txt", edit -> {
                                Entry current = edit.lookup(p("shared.txt")).orElse(null);
                                if (current == null || !current.id().equals(expected)) {
                                    throw new StaleException(p("shared.txt"), current == null ? null : current.id(),
                                            expected.name(), "stale");
                                }
                                edit.putFile(p("shared.txt"), blob);
                                return null;
                            });
                            return content;
                        } catch (StaleException e) {
                            assertThat(e.current()).isNotEqualTo(expected);
                            return "stale";
                        }
                    }));
                }
                go.countDown();
                List<String> got = new ArrayList<>();
                for (Future<String> o : outcomes) {
                    got.add(o.get(30, TimeUnit.SECONDS));
                }
                assertThat(got).as("round %d", round).containsOnlyOnce("stale");
                String winner = got.stream().filter(s -> !s.equals("stale")).findFirst().orElseThrow();
                assertThat(f.read("shared.txt")).isEqualTo(winner);
                assertThat(f.commitCount()).isEqualTo(commitsBefore + 1);
            }
        }
    }

    private static ObjectId commitOutside(Repository repo, String path, String content) throws java.io.IOException {
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader();
             RevWalk rw = new RevWalk(reader)) {
            ObjectId headId = repo.resolve(GitRepository.BRANCH);
            RevCommit head = rw.parseCommit(headId);
            ObjectId blob = ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
            DirCache dc = DirCache.newInCore();
            DirCacheBuilder b = dc.builder();
            b.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, head.getTree());
            DirCacheEntry e = new DirCacheEntry(path);
            e.setFileMode(FileMode.REGULAR_FILE);
            e.setObjectId(blob);
            // every entry of the head except the one replaced, then the new one (the builder re-sorts)
            DirCache merged = DirCache.newInCore();
            DirCacheBuilder mb = merged.builder();
            b.finish();
            for (int i = 0; i < dc.getEntryCount(); i++) {
                DirCacheEntry old = dc.getEntry(i);
                if (old.getPathString().equals(path)) {
                    continue;
                }
                mb.add(old);
            }
            mb.add(e);
            mb.finish();
            ObjectId tree = merged.writeTree(ins);
            CommitBuilder cb = new CommitBuilder();
            PersonIdent who = new PersonIdent("Pusher", "push@example.org");
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage("external " + path + "\n");
            cb.setTreeId(tree);
            cb.setParentId(head);
            ObjectId commit = ins.insert(cb);
            ins.flush();
            RefUpdate ru = repo.updateRef(GitRepository.BRANCH);
            ru.setExpectedOldObjectId(head);
            ru.setNewObjectId(commit);
            RefUpdate.Result r = ru.update(rw);
            assertThat(r).isEqualTo(RefUpdate.Result.FAST_FORWARD);
            return commit;
        }
    }
}
