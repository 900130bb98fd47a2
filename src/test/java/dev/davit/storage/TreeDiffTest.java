package dev.davit.storage;

import dev.davit.storage.objects.TreeDiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TreeDiff} against JGit's recursive {@code TreeWalk} with {@code ANY_DIFF} (what the last-modified
 * index used before), on trees of a real repository made by random edits: names chosen so that git's order
 * matters ("a" as a folder sorts after "a.txt" and "a-b", before "a0"), files turning into folders and back,
 * mode changes, big folders changed in one entry, whole subtrees added and removed.
 */
class TreeDiffTest {
    @TempDir
    Path dir;

    private static final String[] NAMES = {"a", "a.txt", "a-b", "a0", "b", "ab", "ä", "z", "a b"};

    private record Change(String path, boolean added, boolean deleted) {
    }

    @Test
    void reportsWhatJGitsTreeWalkReportsAndTheFoldersThatWent() throws IOException {
        try (Repository repo = FileRepositoryBuilder.create(dir.resolve("r.git").toFile())) {
            repo.create(true);
            Random rnd = new Random(20261206);
            Map<String, FileEntry> files = new TreeMap<>();
            ObjectId before = tree(repo, files);
            int compared = 0;
            for (int round = 0; round < 400; round++) {
                int edits = 1 + rnd.nextInt(round % 5 == 0 ? 12 : 3);
                for (int e = 0; e < edits; e++) {
                    edit(files, rnd);
                }
                ObjectId after = tree(repo, files);
                try (ObjectReader reader = repo.newObjectReader()) {
                    assertThat(diff(reader, before, after))
                            .as("round %d: TreeDiff against TreeWalk", round)
                            .isEqualTo(reference(reader, before, after));
                    assertThat(gone(reader, before, after)).as("round %d: folders gone", round)
                            .isEqualTo(referenceGone(reader, before, after));
                    assertThat(diff(reader, after, after)).isEmpty();
                    assertThat(diffParsed(reader, before, after)).as("round %d: with the old trees held parsed", round)
                            .isEqualTo(reference(reader, before, after));
                    // what FolderHistory asks of the folders below the one it walks: whether anything differs in them
                    List<Change> all = reference(reader, before, after);
                    assertThat(TreeDiff.differs(reader, before, after)).as("round %d: differs", round).isEqualTo(!all.isEmpty());
                    assertThat(topLevel(reader, before, after)).as("round %d: not descending", round)
                            .isEqualTo(all.stream().filter(c -> c.path().indexOf('/') < 0).toList());
                }
                compared++;
                before = after;
            }
            assertThat(compared).isEqualTo(400);
        }
    }

    @Test
    void oneChangeInABigFolderIsFoundWhereverItIs() throws IOException {
        try (Repository repo = FileRepositoryBuilder.create(dir.resolve("big.git").toFile())) {
            repo.create(true);
            Map<String, FileEntry> files = new TreeMap<>();
            for (int i = 0; i < 3000; i++) {
                files.put(String.format("docs/f%05d.txt", i), new FileEntry(FileMode.REGULAR_FILE, "v" + i));
            }
            ObjectId base = tree(repo, files);
            try (ObjectReader reader = repo.newObjectReader()) {
                for (String path : List.of("docs/f00000.txt", "docs/f01500.txt", "docs/f02999.txt")) {
                    Map<String, FileEntry> changed = new TreeMap<>(files);
                    changed.put(path, new FileEntry(FileMode.REGULAR_FILE, "changed"));
                    assertThat(diff(reader, base, tree(repo, changed))).containsExactly(new Change(path, false, false));
                    assertThat(diffParsed(reader, base, tree(repo, changed))).containsExactly(new Change(path, false, false));
                    changed = new TreeMap<>(files);
                    changed.remove(path);
                    assertThat(diff(reader, base, tree(repo, changed))).containsExactly(new Change(path, false, true));
                    assertThat(diffParsed(reader, base, tree(repo, changed))).containsExactly(new Change(path, false, true));
                }
                Map<String, FileEntry> added = new TreeMap<>(files);
                added.put("docs/f01500.txt.bak", new FileEntry(FileMode.REGULAR_FILE, "new"));
                added.put("docs/zzz", new FileEntry(FileMode.REGULAR_FILE, "new"));
                assertThat(diff(reader, base, tree(repo, added))).containsExactly(
                        new Change("docs/f01500.txt.bak", true, false), new Change("docs/zzz", true, false));
                assertThat(diff(reader, null, base)).hasSize(3000).allMatch(Change::added);
            }
        }
    }

    private record FileEntry(FileMode mode, String content) {
    }

    private static void edit(Map<String, FileEntry> files, Random rnd) {
        int depth = 1 + rnd.nextInt(3);
        StringBuilder p = new StringBuilder();
        for (int d = 0; d < depth; d++) {
            if (d > 0) {
                p.append('/');
            }
            p.append(NAMES[rnd.nextInt(NAMES.length)]);
        }
        String path = p.toString();
        int op = rnd.nextInt(10);
        if (op < 3 && !files.isEmpty()) {
            // delete a file or a whole folder
            String prefix = path.contains("/") ? path.substring(0, path.indexOf('/')) : path;
            files.keySet().removeIf(k -> k.equals(path) || (op == 0 && k.startsWith(prefix + "/")));
            return;
        }
        // a file can't live where a folder is, nor a folder where a file is: replace what is in the way
        files.keySet().removeIf(k -> k.startsWith(path + "/"));
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            files.remove(path.substring(0, slash));
        }
        FileMode mode = op == 9 ? FileMode.EXECUTABLE_FILE : op == 8 ? FileMode.SYMLINK : FileMode.REGULAR_FILE;
        files.put(path, new FileEntry(mode, op == 7 && files.containsKey(path) ? files.get(path).content() : "c" + rnd.nextInt(5)));
    }

    private static ObjectId tree(Repository repo, Map<String, FileEntry> files) throws IOException {
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        try (ObjectInserter ins = repo.newObjectInserter()) {
            for (Map.Entry<String, FileEntry> f : files.entrySet()) {
                DirCacheEntry e = new DirCacheEntry(f.getKey());
                e.setFileMode(f.getValue().mode());
                e.setObjectId(ins.insert(Constants.OBJ_BLOB, f.getValue().content().getBytes(StandardCharsets.UTF_8)));
                b.add(e);
            }
            b.finish();
            ObjectId id = dc.writeTree(ins);
            ins.flush();
            return id;
        }
    }

    /** The diff with every tree of {@code a} held parsed (the write's own trees are, in the server). */
    private static List<Change> diffParsed(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        dev.davit.storage.objects.ParsedTrees parsed = new dev.davit.storage.objects.ParsedTrees(64L << 20);
        hold(parsed, reader, a);
        List<Change> out = new ArrayList<>();
        TreeDiff.diff(reader, parsed, a, b, (path, added, deleted) -> out.add(new Change(path, added, deleted)));
        return out;
    }

    private static void hold(dev.davit.storage.objects.ParsedTrees parsed, ObjectReader reader, ObjectId tree) throws IOException {
        if (tree == null) {
            return;
        }
        dev.davit.storage.objects.RawTree t = parsed.get(reader, tree);
        for (int i = 0; i < t.size(); i++) {
            if (t.isTree(i)) {
                hold(parsed, reader, t.id(i));
            }
        }
    }

    private static List<Change> diff(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        List<Change> out = new ArrayList<>();
        TreeDiff.diff(reader, a, b, (path, added, deleted) -> out.add(new Change(path, added, deleted)));
        return out;
    }

    /** The files that differ directly in the trees, the folders that differ not looked into. */
    private static List<Change> topLevel(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        List<Change> out = new ArrayList<>();
        TreeDiff.diff(reader, a, b, new TreeDiff.Visitor() {
            @Override
            public void file(String path, boolean added, boolean deleted) {
                out.add(new Change(path, added, deleted));
            }

            @Override
            public void folderGone(String path) {
                throw new AssertionError("a folder not looked into is not reported gone: " + path);
            }

            @Override
            public boolean descend(String path, ObjectId oldTree, ObjectId newTree) {
                return false;
            }
        });
        return out;
    }

    private static Set<String> gone(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        Set<String> out = new TreeSet<>();
        TreeDiff.diff(reader, a, b, new TreeDiff.Visitor() {
            @Override
            public void file(String path, boolean added, boolean deleted) {
            }

            @Override
            public void folderGone(String path) {
                assertThat(out.add(path)).as("reported once: %s", path).isTrue();
            }
        });
        return out;
    }

    private static List<Change> reference(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        List<Change> out = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(reader)) {
            if (a == null) {
                tw.addTree(new EmptyTreeIterator());
            } else {
                tw.addTree(a);
            }
            tw.addTree(b);
            tw.setRecursive(true);
            tw.setFilter(TreeFilter.ANY_DIFF);
            while (tw.next()) {
                out.add(new Change(tw.getPathString(), tw.getFileMode(0) == FileMode.MISSING, tw.getFileMode(1) == FileMode.MISSING));
            }
        }
        return out;
    }

    private static Set<String> referenceGone(ObjectReader reader, ObjectId a, ObjectId b) throws IOException {
        Set<String> out = folders(reader, a);
        out.removeAll(folders(reader, b));
        return out;
    }

    private static Set<String> folders(ObjectReader reader, ObjectId tree) throws IOException {
        Set<String> out = new TreeSet<>();
        try (TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(tree);
            tw.setRecursive(false);
            while (tw.next()) {
                if (tw.isSubtree()) {
                    out.add(tw.getPathString());
                    tw.enterSubtree();
                }
            }
        }
        return out;
    }
}
