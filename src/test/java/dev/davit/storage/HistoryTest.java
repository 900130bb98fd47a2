package dev.davit.storage;

import dev.davit.storage.history.GitObjects;

import dev.davit.storage.history.Branch;
import dev.davit.storage.history.CommitPage;
import dev.davit.storage.history.Comparison;
import dev.davit.storage.history.FileChange;
import dev.davit.storage.history.History;
import dev.davit.storage.history.TreeItem;
import dev.davit.storage.history.TreeListing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** History, diffs and git objects by id, on a real repository; hidden helper files never appear. */
class HistoryTest {
    @TempDir
    Path tmp;
    StorageFixture f;

    @BeforeEach
    void open() throws Exception {
        f = StorageFixture.empty(tmp);
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    @Test
    void logOfAPathIsPagedNewestFirst() throws Exception {
        f.put("a.txt", "1");
        f.put("b.txt", "x");
        f.put("a.txt", "2");
        ObjectId head = f.put("a.txt", "3").revision();
        History h = History.of(f.repo);
        CommitPage p1 = h.log(head, StorageFixture.p("a.txt"), 0, 2);
        assertThat(p1.commits()).hasSize(2);
        assertThat(p1.more()).isTrue();
        assertThat(p1.commits().get(0).id()).isEqualTo(head);
        CommitPage p2 = h.log(head, StorageFixture.p("a.txt"), 2, 2);
        assertThat(p2.commits()).hasSize(1);
        assertThat(p2.more()).isFalse();
        assertThat(h.log(head, RepoPath.ROOT, 0, 100).commits()).hasSize(4);
    }

    @Test
    void resolveReadsIdsAndBranchNamesOnly() throws Exception {
        ObjectId head = f.put("a.txt", "1").revision();
        History h = History.of(f.repo);
        assertThat(h.resolve("main")).isEqualTo(head);
        assertThat(h.resolve("refs/heads/main")).isEqualTo(head);
        assertThat(h.resolve(head.name().substring(0, 10))).isEqualTo(head);
        for (String bad : List.of("HEAD~1", "main^", "nope", "", "main@{0}")) {
            assertThatThrownBy(() -> h.resolve(bad)).as(bad).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void changesSkipHiddenFilesAndCarryPatches() throws Exception {
        ObjectId first = f.put("a.txt", "one\n").revision();
        ObjectId second = f.repo.write(StorageFixture.ALICE, "edit", edit -> {
            edit.putFile(StorageFixture.p("a.txt"), f.blob("one\ntwo\n"));
            edit.setMetadata(StorageFixture.p("a.txt"), "<props/>".getBytes());
            edit.mkdir(StorageFixture.p("d"));
            return null;
        }).revision();
        List<FileChange> changes = History.of(f.repo).changes(first, second);
        assertThat(changes).hasSize(1);
        FileChange c = changes.get(0);
        assertThat(c.path()).isEqualTo("a.txt");
        assertThat(c.status()).isEqualTo("modified");
        assertThat(c.additions()).isEqualTo(1);
        assertThat(c.deletions()).isZero();
        assertThat(c.patch()).isEqualTo("@@ -1 +1,2 @@\n one\n+two\n");
    }

    @Test
    void treesListWithoutHiddenFilesAndBlobsReadById() throws Exception {
        f.mkdir("d");
        ObjectId head = f.put("d/x.txt", "x").revision();
        TreeListing t = GitObjects.of(f.repo).tree(head.name(), true);
        assertThat(t.items()).extracting(TreeItem::path).containsExactly("d", "d/x.txt");
        ObjectId blob = t.items().get(1).id();
        assertThat(new String(GitObjects.of(f.repo).blob(blob.name()).bytes())).isEqualTo("x");
        assertThat(GitObjects.of(f.repo).hasBlob(blob)).isTrue();
        assertThatThrownBy(() -> GitObjects.of(f.repo).blob(t.id().name())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void compareCountsBothSides() throws Exception {
        ObjectId base = f.put("a.txt", "1").revision();
        ObjectId head = f.put("b.txt", "2").revision();
        Comparison c = History.of(f.repo).compare(base.name(), head.name());
        assertThat(c.status()).isEqualTo("ahead");
        assertThat(c.ahead()).hasSize(1);
        assertThat(c.behindBy()).isZero();
        assertThat(c.mergeBase().id()).isEqualTo(base);
        assertThat(c.files()).extracting(FileChange::path).containsExactly("b.txt");
        assertThat(History.of(f.repo).compare(head.name(), base.name()).status()).isEqualTo("behind");
        assertThat(History.of(f.repo).branches()).containsExactly(new Branch("main", head));
    }
}
