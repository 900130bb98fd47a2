package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last-modified index is kept beside the repository, so opening a long history does not replay it:
 * only the commits since the stored point are, and a stored point the head did not grow from (history
 * rewritten outside) or a damaged file makes the index be built again from the root.
 */
class StoredLastModifiedIndexTest {
    @TempDir
    Path tmp;

    private Path dataDir() {
        return tmp.resolve("data");
    }

    private Path gitDir() {
        return dataDir().resolve("o").resolve("r.git");
    }

    /** Three commits through Davit (a folder, a file in it, a file at the root); the repositories closed (which saves the index). */
    private void threeCommits() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("docs");
            f.put("docs/b.txt", "b");
            f.put("a.txt", "a");
        }
        assertThat(gitDir().resolve("davit-lastmodified")).isRegularFile();
    }

    /** A commit made in the bare repository by another program: {@code path} added on top of {@code parent} (or a new root). */
    private static ObjectId commitOutside(Repository r, ObjectId parent, String path, String content) throws Exception {
        try (ObjectInserter ins = r.newObjectInserter(); RevWalk rw = new RevWalk(r)) {
            DirCache dc = DirCache.newInCore();
            DirCacheBuilder b = dc.builder();
            if (parent != null) {
                b.addTree(new byte[0], 0, r.newObjectReader(), rw.parseCommit(parent).getTree());
            }
            DirCacheEntry e = new DirCacheEntry(path);
            e.setFileMode(FileMode.REGULAR_FILE);
            e.setObjectId(ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8)));
            b.add(e);
            b.finish();
            CommitBuilder cb = new CommitBuilder();
            PersonIdent who = new PersonIdent("Other", "other@example.org");
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage("outside");
            cb.setTreeId(dc.writeTree(ins));
            if (parent != null) {
                cb.setParentId(parent);
            }
            ObjectId c = ins.insert(cb);
            ins.flush();
            RefUpdate u = r.updateRef(GitRepository.BRANCH);
            u.setNewObjectId(c);
            u.setForceUpdate(true);
            assertThat(u.update()).isIn(RefUpdate.Result.FAST_FORWARD, RefUpdate.Result.FORCED, RefUpdate.Result.NEW);
            return c;
        }
    }

    private static Instant timeOf(Repository r, ObjectId c) throws Exception {
        try (RevWalk rw = new RevWalk(r)) {
            return Instant.ofEpochSecond(rw.parseCommit(c).getCommitTime());
        }
    }

    @Test
    void aReopenedRepositoryReadsItsStoredIndexInsteadOfReplayingTheHistory() throws Exception {
        threeCommits();
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            assertThat(r.indexReplayed()).isZero();
            try (Snapshot s = r.head()) {
                Instant head = s.commitTime();
                assertThat(s.times(s.lookup(p("a.txt")).orElseThrow()).modified()).isEqualTo(head);
                assertThat(s.times(s.lookup(p("docs")).orElseThrow()).modified()).isBeforeOrEqualTo(head);
                // The folder was made (MKCOL) before its file: in the same second, or the one before.
                assertThat(s.times(s.lookup(p("docs")).orElseThrow()).created())
                        .isBeforeOrEqualTo(s.times(s.lookup(p("docs/b.txt")).orElseThrow()).created());
            }
        }
    }

    @Test
    void commitsMadeOutsideSinceTheStoredPointAreTheOnlyOnesReplayed() throws Exception {
        threeCommits();
        ObjectId outside;
        try (Repository r = new FileRepositoryBuilder().setGitDir(gitDir().toFile()).setBare().build()) {
            outside = commitOutside(r, r.resolve(GitRepository.BRANCH), "docs/new.txt", "n");
        }
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            assertThat(r.indexReplayed()).isEqualTo(1);
            Instant t = timeOf(r.disk(), outside);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("docs/new.txt")).orElseThrow())).isEqualTo(new Timestamps(t, t));
                assertThat(s.times(s.lookup(p("docs")).orElseThrow()).modified()).isEqualTo(t);
            }
        }
    }

    @Test
    void aHistoryRewrittenOutsideIsIndexedAgainFromItsRoot() throws Exception {
        threeCommits();
        try (Repository r = new FileRepositoryBuilder().setGitDir(gitDir().toFile()).setBare().build()) {
            ObjectId root = commitOutside(r, null, "only.txt", "1");
            commitOutside(r, root, "second.txt", "2");
        }
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            assertThat(r.indexReplayed()).isEqualTo(2);
            try (Snapshot s = r.head()) {
                assertThat(s.lookup(p("a.txt"))).isEmpty();
                Instant rootTime = s.times(s.lookup(p("only.txt")).orElseThrow()).created();
                // the root folder was created by the new root commit, not by the history that was replaced
                assertThat(s.times(s.root()).created()).isEqualTo(rootTime);
            }
        }
    }

    @Test
    void aDamagedIndexFileIsRebuiltWithTheSameTimes() throws Exception {
        threeCommits();
        Timestamps before;
        try (Repositories again = new Repositories(dataDir(), false)) {
            try (Snapshot s = again.open("o", "r").head()) {
                before = s.times(s.lookup(p("docs/b.txt")).orElseThrow());
            }
        }
        Path file = gitDir().resolve("davit-lastmodified");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a; // a torn or rotten byte: the checksum fails
        Files.write(file, bytes);
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("docs/b.txt")).orElseThrow())).isEqualTo(before);
            }
            // rebuilt in the background (an index that holds nothing is; BackgroundIndexBuildTest)
            dev.davit.testutil.Conditions.await("the index rebuilt", java.util.concurrent.TimeUnit.SECONDS.toNanos(30),
                    () -> r.indexReplayed() == 3);
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("docs/b.txt")).orElseThrow())).isEqualTo(before);
            }
        }
    }

    @Test
    void writesAfterTheReopenKeepTheIndexCurrentAndAreStoredAtClose() throws Exception {
        threeCommits();
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            r.write(ALICE, "PUT c", edit -> {
                edit.putFile(p("c.txt"), r.insertBlob(new java.io.ByteArrayInputStream(new byte[] {1}), 1));
                return null;
            });
            assertThat(r.indexReplayed()).isEqualTo(1);
        }
        try (Repositories again = new Repositories(dataDir(), false)) {
            GitRepository r = again.open("o", "r");
            assertThat(r.indexReplayed()).isZero();
            try (Snapshot s = r.head()) {
                assertThat(s.times(s.lookup(p("c.txt")).orElseThrow()).modified()).isEqualTo(s.commitTime());
            }
        }
    }
}
