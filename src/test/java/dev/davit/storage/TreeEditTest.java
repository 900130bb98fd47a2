package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeEditTest {
    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A repository imported from a source tree, so its folders hold no keep file. */
    private StorageFixture imported() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("docs/sub"));
        Files.writeString(src.resolve("docs/a.txt"), "a");
        Files.writeString(src.resolve("docs/b.txt"), "b");
        Files.writeString(src.resolve("docs/sub/only.txt"), "only");
        Files.writeString(src.resolve("top.txt"), "top");
        return StorageFixture.withSource(tmp, src);
    }

    @Test
    void putFileIntoAMissingFolderNamesTheFirstMissingAncestor() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("top.txt", "t");
            f.mkdir("a");
            ObjectId head = f.repo.headId();
            assertThatThrownBy(() -> f.put("x/y/z.txt", "z"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> {
                        assertThat(e.path()).isEqualTo(p("x/y/z.txt"));
                        assertThat(e.blocker()).isEqualTo(p("x"));
                        assertThat(e.blockerIsFile()).isFalse();
                    });
            assertThatThrownBy(() -> f.put("a/b/c/d.txt", "d"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> {
                        assertThat(e.blocker()).isEqualTo(p("a/b"));
                        assertThat(e.blockerIsFile()).isFalse();
                    });
            assertThatThrownBy(() -> f.mkdir("q/r"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> assertThat(e.blocker()).isEqualTo(p("q")));
            assertThat(f.repo.headId()).isEqualTo(head);
        }
    }

    @Test
    void putFileUnderAFileSaysTheBlockerIsAFile() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("d");
            f.put("d/f.txt", "f");
            ObjectId head = f.repo.headId();
            assertThatThrownBy(() -> f.put("d/f.txt/x", "x"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> {
                        assertThat(e.blocker()).isEqualTo(p("d/f.txt"));
                        assertThat(e.blockerIsFile()).isTrue();
                    });
            assertThatThrownBy(() -> f.put("d/f.txt/y/z", "z"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> {
                        assertThat(e.blocker()).isEqualTo(p("d/f.txt"));
                        assertThat(e.blockerIsFile()).isTrue();
                    });
            assertThatThrownBy(() -> f.mkdir("d/f.txt/sub"))
                    .isInstanceOfSatisfying(MissingParentException.class, e -> assertThat(e.blockerIsFile()).isTrue());
            assertThat(f.repo.headId()).isEqualTo(head);
        }
    }

    @Test
    void mkdirMakesAFolderThatSurvivesAndHidesItsKeepFile() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            WriteResult<Void> r = f.mkdir("empty");
            assertThat(r.committed()).isTrue();
            f.mkdir("empty/nested");
            f.put("other.txt", "o");
            assertThat(f.lookup("empty")).hasValueSatisfying(e -> {
                assertThat(e.isFolder()).isTrue();
                assertThat(e.kind()).isEqualTo(Entry.Kind.FOLDER);
                assertThat(e.name()).isEqualTo("empty");
            });
            assertThat(f.lookup("empty/nested")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(f.list("")).containsExactly("empty", "other.txt");
            assertThat(f.list("empty")).containsExactly("nested");
            assertThat(f.list("empty/nested")).isEmpty();
            assertThat(f.walkAll()).containsExactly("empty/", "empty/nested/", "other.txt");
            assertThat(String.join(",", f.walkAll())).doesNotContain(HiddenNames.KEEP);
            assertThatThrownBy(() -> f.mkdir("empty")).isInstanceOf(AlreadyExistsException.class);
            assertThatThrownBy(() -> f.mkdir("other.txt"))
                    .isInstanceOfSatisfying(AlreadyExistsException.class, e -> assertThat(e.path()).isEqualTo(p("other.txt")));
            f.assertFsckClean();
        }
    }

    @Test
    void lookupInsideAnEditSeesItsOwnChangesButNoHiddenFiles() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            ObjectId a = f.lookup("a.txt").orElseThrow().id();
            ObjectId b = f.blob("b");
            f.repo.write(ALICE, "edit", edit -> {
                assertThat(edit.lookup(p("a.txt"))).hasValueSatisfying(e -> assertThat(e.id()).isEqualTo(a));
                edit.putFile(p("a.txt"), b);
                assertThat(edit.lookup(p("a.txt"))).hasValueSatisfying(e -> assertThat(e.id()).isEqualTo(b));
                edit.mkdir(p("d"));
                assertThat(edit.lookup(p("d"))).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
                assertThat(edit.delete(p("a.txt"))).isTrue();
                assertThat(edit.lookup(p("a.txt"))).isEmpty();
                assertThat(edit.delete(p("a.txt"))).isFalse();
                assertThat(edit.lookup(p("missing/x"))).isEmpty();
                assertThat(edit.lookup(RepoPath.ROOT)).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
                return null;
            });
            assertThat(f.walkAll()).containsExactly("d/");
        }
    }

    /**
     * Snapshot's and TreeEdit.lookup's contracts say hidden helper files are never found. Only reachable
     * with a name from RepoPath.child (validated paths cannot name them), but the contract is broken.
     */
    @Test
    void hiddenHelperFilesAreNeverFoundByLookup() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("d");
            f.put("d/a.txt", "a");
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("d/a.txt"), utf8("<a/>"));
                return null;
            });
            RepoPath keep = p("d").child(HiddenNames.KEEP);
            RepoPath props = p("d").child(HiddenNames.filePropsName("a.txt"));
            try (Snapshot s = f.repo.head()) {
                assertThat(s.lookup(keep)).as("Snapshot.lookup(d/.davitkeep)").isEmpty();
                assertThat(s.lookup(props)).as("Snapshot.lookup(d/.davitprops.a.txt)").isEmpty();
            }
            f.repo.write(ALICE, "look", edit -> {
                assertThat(edit.lookup(keep)).as("TreeEdit.lookup(d/.davitkeep)").isEmpty();
                assertThat(edit.lookup(props)).as("TreeEdit.lookup(d/.davitprops.a.txt)").isEmpty();
                return null;
            });
        }
    }

    @Test
    void deletingTheLastFileOfAFolderLeavesTheFolder() throws Exception {
        try (StorageFixture f = imported()) {
            assertThat(f.delete("docs/sub/only.txt").value()).isTrue();
            assertThat(f.lookup("docs/sub")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(f.list("docs/sub")).isEmpty();

            f.delete("docs/a.txt");
            f.delete("docs/b.txt");
            assertThat(f.list("docs")).containsExactly("sub");
            f.delete("docs/sub");
            assertThat(f.lookup("docs")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(f.list("docs")).isEmpty();
            assertThat(f.walkAll()).containsExactly("docs/", "top.txt");

            // a later write elsewhere keeps it
            f.put("top.txt", "changed");
            assertThat(f.lookup("docs")).isPresent();

            // deleting a whole folder removes it
            f.delete("docs");
            assertThat(f.lookup("docs")).isEmpty();
            assertThat(f.walkAll()).containsExactly("top.txt");
            // deleting the last file at the root leaves the root
            f.delete("top.txt");
            assertThat(f.walkAll()).isEmpty();
            assertThat(f.lookup("")).isPresent();
            f.assertFsckClean();
        }
    }

    @Test
    void deletingAFileRemovesItsMetadata() throws Exception {
        try (StorageFixture f = imported()) {
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs/a.txt"), utf8("<p>a</p>"));
                return null;
            });
            f.delete("docs/a.txt");
            f.put("docs/a.txt", "new a");
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("docs/a.txt")).orElseThrow())).isEmpty();
            }
        }
    }

    @Test
    void metadataRoundTripsForFilesFoldersAndTheRoot() throws Exception {
        try (StorageFixture f = imported()) {
            WriteResult<Void> w = f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs/a.txt"), utf8("<file/>"));
                edit.setMetadata(p("docs"), utf8("<folder/>"));
                edit.setMetadata(RepoPath.ROOT, utf8("<root/>"));
                assertThat(edit.metadata(p("docs/a.txt"))).hasValue(utf8("<file/>"));
                assertThat(edit.metadata(p("docs"))).hasValue(utf8("<folder/>"));
                return null;
            });
            assertThat(w.committed()).isTrue();
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("docs/a.txt")).orElseThrow())).hasValue(utf8("<file/>"));
                assertThat(s.metadata(s.lookup(p("docs")).orElseThrow())).hasValue(utf8("<folder/>"));
                assertThat(s.metadata(s.root())).hasValue(utf8("<root/>"));
                assertThat(s.metadata(s.lookup(p("docs/b.txt")).orElseThrow())).isEmpty();
                assertThat(s.metadata(s.lookup(p("docs/sub")).orElseThrow())).isEmpty();
                // the walk hands over the same documents and lists no sidecar
                List<String> seen = new ArrayList<>();
                s.walk(s.root(), Integer.MAX_VALUE, (e, props) -> seen.add(e.path() + "=" + (props == null ? "-" : new String(s.readMetadata(props), StandardCharsets.UTF_8))));
                assertThat(seen).containsExactly("docs=<folder/>", "docs/a.txt=<file/>", "docs/b.txt=-", "docs/sub=-",
                        "docs/sub/only.txt=-", "top.txt=-");
                List<String> shallow = new ArrayList<>();
                s.walk(s.root(), 1, (e, props) -> shallow.add(e.path() + "=" + (props == null ? "-" : new String(s.readMetadata(props), StandardCharsets.UTF_8))));
                assertThat(shallow).containsExactly("docs=<folder/>", "top.txt=-");
            }
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs/a.txt"), null);
                edit.setMetadata(p("docs"), null);
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("docs/a.txt")).orElseThrow())).isEmpty();
                assertThat(s.metadata(s.lookup(p("docs")).orElseThrow())).isEmpty();
            }
            assertThatThrownBy(() -> f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("nope.txt"), utf8("<x/>"));
                return null;
            })).isInstanceOf(MissingParentException.class);
            f.assertFsckClean();
        }
    }

    /**
     * Names are limited to 255 bytes "so that a checkout of the repository works"; the hidden sidecar of a
     * file's dead properties must respect the same limit, or a clone cannot be checked out.
     */
    @Test
    void everyNameInTheTreeFitsTheFileSystemLimitIncludingSidecars() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            String longName = "n".repeat(RepoPath.MAX_SEGMENT_BYTES);
            f.put(longName, "long");
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p(longName), utf8("<p/>"));
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p(longName)).orElseThrow())).hasValue(utf8("<p/>"));
            }
            List<String> tooLong = new ArrayList<>();
            try (org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(f.repo.jgit());
                 org.eclipse.jgit.treewalk.TreeWalk tw = new org.eclipse.jgit.treewalk.TreeWalk(f.repo.jgit())) {
                tw.addTree(rw.parseCommit(f.repo.headId()).getTree());
                tw.setRecursive(true);
                while (tw.next()) {
                    byte[] name = tw.getNameString().getBytes(StandardCharsets.UTF_8);
                    if (name.length > RepoPath.MAX_SEGMENT_BYTES) {
                        tooLong.add(tw.getNameString().substring(0, 20) + "... (" + name.length + " bytes)");
                    }
                }
            }
            assertThat(tooLong).as("tree entries longer than %d bytes", RepoPath.MAX_SEGMENT_BYTES).isEmpty();
        }
    }

    @Test
    void copyOfAFolderSharesTheTreeIdAndCarriesMetadata() throws Exception {
        try (StorageFixture f = imported()) {
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs"), utf8("<folder/>"));
                edit.setMetadata(p("docs/a.txt"), utf8("<a/>"));
                return null;
            });
            ObjectId docs = f.lookup("docs").orElseThrow().id();
            int before = f.commitCount();
            f.repo.write(ALICE, "COPY docs copy", edit -> {
                edit.copy(p("docs"), p("copy"), true);
                return null;
            });
            assertThat(f.commitCount()).isEqualTo(before + 1);
            assertThat(f.lookup("copy").orElseThrow().id()).as("folder ETag of the copy").isEqualTo(docs);
            assertThat(f.lookup("docs").orElseThrow().id()).isEqualTo(docs);
            assertThat(f.read("copy/sub/only.txt")).isEqualTo("only");
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("copy")).orElseThrow())).hasValue(utf8("<folder/>"));
                assertThat(s.metadata(s.lookup(p("copy/a.txt")).orElseThrow())).hasValue(utf8("<a/>"));
            }
            // Depth 0: an empty folder with the folder's own properties only
            f.repo.write(ALICE, "COPY docs shallow", edit -> {
                edit.copy(p("docs"), p("shallow"), false);
                return null;
            });
            assertThat(f.lookup("shallow")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(f.list("shallow")).isEmpty();
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("shallow")).orElseThrow())).hasValue(utf8("<folder/>"));
            }
            f.assertFsckClean();
        }
    }

    @Test
    void copyOfAFolderChangedInTheSameEditCopiesTheChanges() throws Exception {
        try (StorageFixture f = imported()) {
            ObjectId n = f.blob("new");
            f.repo.write(ALICE, "edit+copy", edit -> {
                edit.putFile(p("docs/sub/new.txt"), n);
                edit.copy(p("docs"), p("copy"), true);
                edit.putFile(p("docs/after.txt"), n);
                return null;
            });
            assertThat(f.read("copy/sub/new.txt")).isEqualTo("new");
            assertThat(f.lookup("copy/after.txt")).as("a change after the copy is not in the copy").isEmpty();
            assertThat(f.lookup("docs/after.txt")).isPresent();
            assertThat(f.lookup("copy/sub").orElseThrow().id()).isEqualTo(f.lookup("docs/sub").orElseThrow().id());
            f.assertFsckClean();
        }
    }

    @Test
    void copyOfAFileCarriesItsMetadataAndMissingSourceIsNotFound() throws Exception {
        try (StorageFixture f = imported()) {
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs/a.txt"), utf8("<a/>"));
                return null;
            });
            f.repo.write(ALICE, "COPY", edit -> {
                edit.copy(p("docs/a.txt"), p("a-copy.txt"), true);
                edit.copy(p("docs/b.txt"), p("docs/sub/b-copy.txt"), true);
                return null;
            });
            assertThat(f.lookup("a-copy.txt").orElseThrow().id()).isEqualTo(f.lookup("docs/a.txt").orElseThrow().id());
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("a-copy.txt")).orElseThrow())).hasValue(utf8("<a/>"));
                assertThat(s.metadata(s.lookup(p("docs/sub/b-copy.txt")).orElseThrow())).isEmpty();
            }
            ObjectId head = f.repo.headId();
            assertThatThrownBy(() -> f.repo.write(ALICE, "COPY", edit -> {
                edit.copy(p("nope"), p("x"), true);
                return null;
            })).isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.path()).isEqualTo(p("nope")));
            assertThatThrownBy(() -> f.repo.write(ALICE, "COPY", edit -> {
                edit.copy(p("docs"), p("missing/x"), true);
                return null;
            })).isInstanceOfSatisfying(MissingParentException.class, e -> assertThat(e.blocker()).isEqualTo(p("missing")));
            assertThat(f.repo.headId()).isEqualTo(head);
        }
    }

    @Test
    void moveIsCopyPlusDeleteInOneCommit() throws Exception {
        try (StorageFixture f = imported()) {
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("docs/a.txt"), utf8("<a/>"));
                edit.setMetadata(p("docs"), utf8("<d/>"));
                return null;
            });
            ObjectId docs = f.lookup("docs").orElseThrow().id();
            int before = f.commitCount();
            f.repo.write(ALICE, "MOVE docs moved", edit -> {
                edit.copy(p("docs"), p("moved"), true);
                edit.delete(p("docs"));
                return null;
            });
            assertThat(f.commitCount()).isEqualTo(before + 1);
            assertThat(f.lookup("docs")).isEmpty();
            assertThat(f.lookup("moved").orElseThrow().id()).isEqualTo(docs);
            assertThat(f.walkAll()).containsExactly("moved/", "moved/a.txt", "moved/b.txt", "moved/sub/", "moved/sub/only.txt", "top.txt");
            // a file move takes its metadata and leaves no sidecar behind
            f.repo.write(ALICE, "MOVE moved/a.txt top-a.txt", edit -> {
                edit.copy(p("moved/a.txt"), p("top-a.txt"), true);
                edit.delete(p("moved/a.txt"));
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("top-a.txt")).orElseThrow())).hasValue(utf8("<a/>"));
                assertThat(s.metadata(s.lookup(p("moved")).orElseThrow())).hasValue(utf8("<d/>"));
            }
            f.put("moved/a.txt", "back");
            try (Snapshot s = f.repo.head()) {
                assertThat(s.metadata(s.lookup(p("moved/a.txt")).orElseThrow())).isEmpty();
            }
            f.assertFsckClean();
        }
    }

    @Test
    void moveOfAFolderWithAThousandFilesIsOneCheapCommit() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            List<ObjectId> blobs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                blobs.add(f.blob("file " + i));
            }
            f.repo.write(ALICE, "bulk", edit -> {
                edit.mkdir(p("big"));
                edit.mkdir(p("big/inner"));
                for (int i = 0; i < 1000; i++) {
                    edit.putFile(p((i % 2 == 0 ? "big/" : "big/inner/") + "f" + i + ".txt"), blobs.get(i));
                }
                return null;
            });
            f.mkdir("dest");
            ObjectId big = f.lookup("big").orElseThrow().id();
            int commits = f.commitCount();
            long objects = f.looseObjects();

            WriteResult<Void> move = f.repo.write(ALICE, "MOVE big dest/big2", edit -> {
                edit.copy(p("big"), p("dest/big2"), true);
                edit.delete(p("big"));
                return null;
            });

            assertThat(move.committed()).isTrue();
            assertThat(f.commitCount()).isEqualTo(commits + 1);
            assertThat(f.lookup("dest/big2").orElseThrow().id()).isEqualTo(big);
            assertThat(f.lookup("big")).isEmpty();
            // cheap: only the commit, the root tree and the one changed folder are new objects (no subtree rewritten)
            assertThat(f.looseObjects() - objects).isLessThanOrEqualTo(4);
            assertThat(f.list("dest/big2")).hasSize(501);
            assertThat(f.read("dest/big2/inner/f999.txt")).isEqualTo("file 999");
            f.assertFsckClean();
        }
    }
}
