package dev.davit.storage;

import dev.davit.storage.objects.RawTree;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trees {@link TreeEdit} writes through its raw-bytes overlay, compared with what JGit writes for the
 * same content: its {@link DirCache} (which sorts full paths itself) for hand-picked cases, and a plain
 * sorted-map model written with {@link TreeFormatter} for random edit sequences.
 */
class TreeEditOverlayTest {
    @TempDir
    Path tmp;

    private Repository repo;
    private ObjectInserter ins;
    private ObjectReader reader;
    private ObjectId emptyBlob;
    private final Set<ObjectId> validated = new HashSet<>();

    @BeforeEach
    void open() throws IOException {
        repo = FileRepositoryBuilder.create(tmp.resolve("t.git").toFile());
        repo.create(true);
        ins = repo.newObjectInserter();
        reader = repo.newObjectReader();
        emptyBlob = ins.insert(Constants.OBJ_BLOB, new byte[0]);
    }

    @AfterEach
    void close() {
        reader.close();
        ins.close();
        repo.close();
    }

    private record Leaf(FileMode mode, ObjectId id) {
    }

    private ObjectId blob(String content) throws IOException {
        return ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
    }

    private static RepoPath p(String path) {
        return StorageFixture.p(path);
    }

    /** The tree JGit's index writes for these full paths. */
    private ObjectId dirCacheTree(Map<String, Leaf> paths) throws IOException {
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        paths.forEach((path, leaf) -> {
            DirCacheEntry e = new DirCacheEntry(path);
            e.setFileMode(leaf.mode());
            e.setObjectId(leaf.id());
            b.add(e);
        });
        b.finish();
        return dc.writeTree(ins);
    }

    /** Every file of a tree by full path, for readable failure messages. */
    private Map<String, String> flatten(ObjectId tree) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        flatten(tree, "", out);
        return out;
    }

    private void flatten(ObjectId tree, String prefix, Map<String, String> out) throws IOException {
        for (CanonicalTreeParser t = new CanonicalTreeParser(null, reader, tree); !t.eof(); t.next()) {
            String path = prefix + t.getEntryPathString();
            if (t.getEntryFileMode() == FileMode.TREE) {
                flatten(t.getEntryObjectId(), path + "/", out);
            } else {
                out.put(path, t.getEntryFileMode() + " " + t.getEntryObjectId().name());
            }
        }
    }

    private interface Edits {
        void apply(TreeEdit edit) throws Exception;
    }

    private ObjectId edit(ObjectId base, Edits edits) throws Exception {
        TreeEdit edit = new TreeEdit(reader, ins, base);
        edits.apply(edit);
        ObjectId tree = edit.writeTree();
        validate(tree);
        return tree;
    }

    private void assertSameTree(ObjectId actual, ObjectId expected) throws IOException {
        assertThat(flatten(actual)).isEqualTo(flatten(expected));
        assertThat(actual).as("tree id, so every byte").isEqualTo(expected);
    }

    /**
     * What {@code git fsck} checks of a tree, recursively: JGit's object checker (modes, names, order,
     * duplicates) and an order check of its own by the plain rule (name bytes, a tree's name plus '/').
     */
    private void validate(ObjectId tree) throws IOException {
        if (!validated.add(tree)) {
            return; // trees are immutable: once is enough
        }
        byte[] raw = reader.open(tree, Constants.OBJ_TREE).getCachedBytes();
        new ObjectChecker().checkTree(tree, raw);
        byte[] previous = null;
        for (CanonicalTreeParser t = new CanonicalTreeParser(null, reader, tree); !t.eof(); t.next()) {
            boolean isTree = t.getEntryFileMode() == FileMode.TREE;
            byte[] key = (t.getEntryPathString() + (isTree ? "/" : "")).getBytes(StandardCharsets.UTF_8);
            if (previous != null) {
                assertThat(Arrays.compareUnsigned(previous, key)).as("order of %s in %s", t.getEntryPathString(), tree.name()).isNegative();
            }
            previous = key;
            if (isTree) {
                validate(t.getEntryObjectId());
            }
        }
    }

    private Map<String, Leaf> trickyBase() throws IOException {
        Map<String, Leaf> m = new HashMap<>();
        m.put("0first", new Leaf(FileMode.REGULAR_FILE, blob("first")));
        m.put("a-b", new Leaf(FileMode.REGULAR_FILE, blob("a-b")));
        m.put("a.b", new Leaf(FileMode.REGULAR_FILE, blob("a.b")));
        m.put("a/x", new Leaf(FileMode.REGULAR_FILE, blob("a/x")));
        m.put("a0", new Leaf(FileMode.REGULAR_FILE, blob("a0")));
        m.put("run.sh", new Leaf(FileMode.EXECUTABLE_FILE, blob("#!/bin/sh")));
        m.put("link", new Leaf(FileMode.SYMLINK, blob("a0")));
        m.put("sub", new Leaf(FileMode.GITLINK, ObjectId.fromString("0123456789abcdef0123456789abcdef01234567")));
        m.put("zz/only", new Leaf(FileMode.REGULAR_FILE, blob("only")));
        m.put("\u00e9t\u00e9.txt", new Leaf(FileMode.REGULAR_FILE, blob("summer")));
        m.put("\u4e2d/\u6587", new Leaf(FileMode.REGULAR_FILE, blob("zh")));
        m.put("\uff5e", new Leaf(FileMode.REGULAR_FILE, blob("wave")));
        m.put("\uD83D\uDE00last", new Leaf(FileMode.REGULAR_FILE, blob("last")));
        return m;
    }

    private Map<String, Leaf> with(Map<String, Leaf> base, Object... changes) {
        Map<String, Leaf> m = new HashMap<>(base);
        for (int i = 0; i < changes.length; i += 2) {
            String path = (String) changes[i];
            if (changes[i + 1] == null) {
                m.remove(path);
            } else {
                m.put(path, (Leaf) changes[i + 1]);
            }
        }
        return m;
    }

    @Test
    void overlayWritesTheTreeGitWritesForTrickyNamesAndModes() throws Exception {
        Map<String, Leaf> base = trickyBase();
        ObjectId baseTree = dirCacheTree(base);
        assertThat(RawTree.parse(reader.open(baseTree, Constants.OBJ_TREE).getCachedBytes()).isSorted()).isTrue();
        ObjectId b = blob("b");
        Leaf file = new Leaf(FileMode.REGULAR_FILE, b);
        Leaf keep = new Leaf(FileMode.REGULAR_FILE, emptyBlob);

        // folder a (sorted as "a/", after a-b and a.b) replaced by file a (sorted first of the a's)
        assertSameTree(edit(baseTree, e -> {
            assertThat(e.delete(p("a"))).isTrue();
            e.putFile(p("a"), b);
        }), dirCacheTree(with(base, "a/x", null, "a", file)));

        // new names on every side of the tricky ones, a new folder between a.b and a/, non-ASCII names
        assertSameTree(edit(baseTree, e -> {
            e.putFile(p("a+"), b);
            e.putFile(p("a1"), b);
            e.putFile(p("0"), b);
            e.putFile(p("~"), b);
            e.putFile(p("\u00ff"), b);
            e.putFile(p("\uD83D\uDE00\uD83D\uDE00"), b);
            e.mkdir(p("a.c"));
            e.putFile(p("a/y"), b);
            e.putFile(p("\u4e2d/\u6587"), b);
        }), dirCacheTree(with(base, "a+", file, "a1", file, "0", file, "~", file, "\u00ff", file,
                "\uD83D\uDE00\uD83D\uDE00", file, "a.c/" + HiddenNames.KEEP, keep, "a/y", file, "\u4e2d/\u6587", file)));

        // first and last entries removed; the only file of a folder removed (it keeps a keep file)
        assertSameTree(edit(baseTree, e -> {
            assertThat(e.delete(p("0first"))).isTrue();
            assertThat(e.delete(p("\uD83D\uDE00last"))).isTrue();
            assertThat(e.delete(p("zz/only"))).isTrue();
        }), dirCacheTree(with(base, "0first", null, "\uD83D\uDE00last", null, "zz/only", null, "zz/" + HiddenNames.KEEP, keep)));

        // whole folders removed, the first and the last folder of the root among them
        assertSameTree(edit(baseTree, e -> {
            e.delete(p("a"));
            e.delete(p("zz"));
            e.delete(p("\u4e2d"));
        }), dirCacheTree(with(base, "a/x", null, "zz/only", null, "\u4e2d/\u6587", null)));

        // modes: an executable stays executable, a symlink written over becomes a file, a gitlink is kept
        assertSameTree(edit(baseTree, e -> {
            e.putFile(p("run.sh"), b);
            e.putFile(p("link"), b);
            assertThat(e.lookup(p("sub"))).isEmpty();
            assertThat(e.delete(p("sub"))).isFalse();
        }), dirCacheTree(with(base, "run.sh", new Leaf(FileMode.EXECUTABLE_FILE, b), "link", file)));

        // changes that cancel out leave the very same tree
        ObjectId same = edit(baseTree, e -> {
            e.putFile(p("new"), b);
            e.delete(p("new"));
            e.mkdir(p("dir"));
            e.delete(p("dir"));
            e.makeParents(p("x/y/z"));
            e.lookup(p("a/x"));
            e.putFile(p("a0"), base.get("a0").id());
        });
        assertThat(same).isEqualTo(baseTree);
    }

    @Test
    void aFileReplacedByAFolderOfTheSameNameAndBack() throws Exception {
        ObjectId b = blob("b");
        Map<String, Leaf> base = with(trickyBase(), "a/x", null, "a", new Leaf(FileMode.REGULAR_FILE, blob("file a")));
        ObjectId baseTree = dirCacheTree(base);
        Leaf file = new Leaf(FileMode.REGULAR_FILE, b);

        ObjectId folder = edit(baseTree, e -> {
            assertThat(e.delete(p("a"))).isTrue();
            e.makeParents(p("a/inner/f"));
            e.putFile(p("a/inner/f"), b);
        });
        assertSameTree(folder, dirCacheTree(with(base, "a", null, "a/inner/f", file)));

        assertSameTree(edit(baseTree, e -> {
            e.delete(p("a"));
            e.mkdir(p("a"));
        }), dirCacheTree(with(base, "a", null, "a/" + HiddenNames.KEEP, new Leaf(FileMode.REGULAR_FILE, emptyBlob))));

        // and back, starting from the tree with the folder
        assertSameTree(edit(folder, e -> {
            assertThat(e.lookup(p("a"))).hasValueSatisfying(x -> assertThat(x.isFolder()).isTrue());
            e.delete(p("a"));
            e.putFile(p("a"), b);
            assertThat(e.lookup(p("a"))).hasValueSatisfying(x -> assertThat(x.isFolder()).isFalse());
        }), dirCacheTree(with(base, "a", file)));
    }

    @Test
    void removingTheOnlyEntryOfTheRootLeavesTheEmptyTree() throws Exception {
        ObjectId base = dirCacheTree(Map.of("one", new Leaf(FileMode.REGULAR_FILE, blob("1"))));
        ObjectId empty = edit(base, e -> assertThat(e.delete(p("one"))).isTrue());
        assertThat(empty).isEqualTo(ins.insert(new TreeFormatter()));
        // and a folder left with nothing (made without a keep file) disappears
        ObjectId nested = dirCacheTree(Map.of("d/one", new Leaf(FileMode.REGULAR_FILE, blob("1")), "top", new Leaf(FileMode.REGULAR_FILE, blob("t"))));
        assertSameTree(edit(nested, e -> e.ensureFolders(p("d/new/newer"))), nested);
    }

    /** A tree pushed out of git order is still read right and written sorted (as before the overlay). */
    @Test
    void aBaseTreeOutOfOrderIsWrittenSorted() throws Exception {
        ObjectId one = blob("1");
        ObjectId two = blob("2");
        TreeFormatter unsorted = new TreeFormatter();
        unsorted.append("b", FileMode.REGULAR_FILE, one);
        unsorted.append("a", FileMode.REGULAR_FILE, two);
        ObjectId base = ins.insert(unsorted);
        ObjectId b = blob("b");
        TreeEdit edit = new TreeEdit(reader, ins, base);
        assertThat(edit.lookup(p("a")).map(Entry::id)).hasValue(two);
        assertThat(edit.lookup(p("b")).map(Entry::id)).hasValue(one);
        edit.putFile(p("c"), b);
        ObjectId tree = edit.writeTree();
        validate(tree);
        assertSameTree(tree, dirCacheTree(Map.of("a", new Leaf(FileMode.REGULAR_FILE, two), "b", new Leaf(FileMode.REGULAR_FILE, one),
                "c", new Leaf(FileMode.REGULAR_FILE, b))));
    }

    // ---- randomized: TreeEdit against a straightforward model ----

    private sealed interface M permits MFile, MDir {
    }

    private record MFile(FileMode mode, ObjectId id) implements M {
    }

    private static final class MDir implements M {
        final Map<String, M> members = new HashMap<>();

        MDir copy() {
            MDir c = new MDir();
            members.forEach((k, v) -> c.members.put(k, v instanceof MDir d ? d.copy() : v));
            return c;
        }
    }

    /**
     * The model written the plain way: sorted by (name + '/' for folders) bytes, formatted by JGit. Only
     * the ids are computed unless {@code store} (to show a difference).
     */
    private ObjectId referenceWrite(MDir dir, boolean store) throws IOException {
        TreeMap<byte[], Map.Entry<String, M>> sorted = new TreeMap<>(Arrays::compareUnsigned);
        for (Map.Entry<String, M> e : dir.members.entrySet()) {
            sorted.put((e.getKey() + (e.getValue() instanceof MDir ? "/" : "")).getBytes(StandardCharsets.UTF_8), e);
        }
        TreeFormatter fmt = new TreeFormatter();
        int n = 0;
        for (Map.Entry<String, M> e : sorted.values()) {
            if (e.getValue() instanceof MDir d) {
                ObjectId id = referenceWrite(d, store);
                if (id != null) {
                    fmt.append(e.getKey(), FileMode.TREE, id);
                    n++;
                }
            } else {
                MFile f = (MFile) e.getValue();
                fmt.append(e.getKey(), f.mode(), f.id());
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        return store ? ins.insert(fmt) : new ObjectInserter.Formatter().idFor(Constants.OBJ_TREE, fmt.toByteArray());
    }

    private ObjectId referenceRoot(MDir root, boolean store) throws IOException {
        ObjectId id = referenceWrite(root, store);
        return id != null ? id : ins.insert(new TreeFormatter());
    }

    private static String newName(Random rnd, MDir dir) {
        while (true) {
            String name = RawTreeTest.randomName(rnd);
            try {
                if (RepoPath.validateSegment(name).equals(name) && !dir.members.containsKey(name)) {
                    return name;
                }
            } catch (InvalidPathException e) {
                // try another
            }
        }
    }

    private final List<ObjectId> contents = new ArrayList<>();

    private ObjectId randomFileId(Random rnd) throws IOException {
        while (contents.size() < 50) {
            contents.add(blob("content " + contents.size()));
        }
        return contents.get(rnd.nextInt(contents.size()));
    }

    private MFile randomFile(Random rnd) throws IOException {
        int kind = rnd.nextInt(20);
        FileMode mode = kind < 17 ? FileMode.REGULAR_FILE : kind == 17 ? FileMode.EXECUTABLE_FILE
                : kind == 18 ? FileMode.SYMLINK : FileMode.GITLINK;
        return new MFile(mode, randomFileId(rnd));
    }

    private MDir randomDir(Random rnd, int size, int depth) throws IOException {
        MDir d = new MDir();
        for (int i = 0; i < size; i++) {
            String name = newName(rnd, d);
            if (depth < 2 && rnd.nextInt(4) == 0) {
                d.members.put(name, randomDir(rnd, 1 + rnd.nextInt(8), depth + 1));
            } else {
                d.members.put(name, randomFile(rnd));
            }
        }
        return d;
    }

    /** A folder of the model reached at random from the root, with its path. */
    private record Place(RepoPath path, MDir dir) {
    }

    private static Place randomPlace(Random rnd, MDir root) {
        RepoPath path = RepoPath.ROOT;
        MDir dir = root;
        while (rnd.nextInt(3) != 0) {
            List<String> subs = dir.members.entrySet().stream().filter(e -> e.getValue() instanceof MDir).map(Map.Entry::getKey).sorted().toList();
            if (subs.isEmpty()) {
                break;
            }
            String name = subs.get(rnd.nextInt(subs.size()));
            path = path.child(name);
            dir = (MDir) dir.members.get(name);
        }
        return new Place(path, dir);
    }

    private static String randomMember(Random rnd, MDir dir) {
        List<String> names = dir.members.keySet().stream().filter(n -> !HiddenNames.isHidden(n)).sorted().toList();
        return names.isEmpty() ? null : names.get(rnd.nextInt(names.size()));
    }

    private static boolean isGitlink(M m) {
        return m instanceof MFile f && f.mode() == FileMode.GITLINK;
    }

    /** One random operation, on the edit and on the model alike. */
    private void randomOperation(Random rnd, TreeEdit edit, MDir root, List<String> log) throws Exception {
        Place at = randomPlace(rnd, root);
        MDir dir = at.dir();
        String existing = randomMember(rnd, dir);
        switch (rnd.nextInt(8)) {
            case 0, 1 -> { // PUT over whatever is there (file, folder, gitlink), or a new file
                String name = existing != null && rnd.nextBoolean() ? existing : newName(rnd, dir);
                ObjectId id = randomFileId(rnd);
                log.add("put " + at.path().child(name));
                edit.putFile(at.path().child(name), id);
                boolean exec = dir.members.get(name) instanceof MFile f && f.mode() == FileMode.EXECUTABLE_FILE;
                dir.members.put(name, new MFile(exec ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE, id));
            }
            case 2, 3 -> { // DELETE
                if (existing == null) {
                    return;
                }
                log.add("delete " + at.path().child(existing));
                boolean deleted = edit.delete(at.path().child(existing));
                if (isGitlink(dir.members.get(existing))) {
                    assertThat(deleted).isFalse();
                    return;
                }
                assertThat(deleted).isTrue();
                dir.members.remove(existing);
                dir.members.remove(HiddenNames.filePropsName(existing));
                if (dir != root && dir.members.isEmpty()) {
                    dir.members.put(HiddenNames.KEEP, new MFile(FileMode.REGULAR_FILE, emptyBlob));
                }
            }
            case 4 -> { // MKCOL
                String name = newName(rnd, dir);
                log.add("mkdir " + at.path().child(name));
                edit.mkdir(at.path().child(name));
                MDir made = new MDir();
                made.members.put(HiddenNames.KEEP, new MFile(FileMode.REGULAR_FILE, emptyBlob));
                dir.members.put(name, made);
            }
            case 5 -> { // a write two levels below, creating the folders
                String n1 = newName(rnd, dir);
                RepoPath path = at.path().child(n1).child("n").child("f");
                ObjectId id = randomFileId(rnd);
                log.add("makeParents+put " + path);
                edit.makeParents(path);
                edit.putFile(path, id);
                MDir d1 = new MDir();
                MDir d2 = new MDir();
                d1.members.put("n", d2);
                d2.members.put("f", new MFile(FileMode.REGULAR_FILE, id));
                dir.members.put(n1, d1);
            }
            case 6 -> { // COPY a file or folder to a new name somewhere
                if (existing == null || isGitlink(dir.members.get(existing))) {
                    return;
                }
                M source = dir.members.get(existing);
                Place to = randomPlace(rnd, root);
                String name = newName(rnd, to.dir());
                log.add("copy " + at.path().child(existing) + " " + to.path().child(name));
                edit.copy(at.path().child(existing), to.path().child(name), true);
                to.dir().members.put(name, source instanceof MDir d ? d.copy() : source);
            }
            default -> { // lookups see the changes so far
                String name = existing != null && rnd.nextBoolean() ? existing : newName(rnd, dir);
                Optional<Entry> found = edit.lookup(at.path().child(name));
                M m = dir.members.get(name);
                if (m instanceof MDir) {
                    assertThat(found).as("lookup %s", at.path().child(name)).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
                } else if (m instanceof MFile f && f.mode() != FileMode.GITLINK) {
                    assertThat(found).as("lookup %s", at.path().child(name)).hasValueSatisfying(e -> assertThat(e.id()).isEqualTo(f.id()));
                } else {
                    assertThat(found).as("lookup %s", at.path().child(name)).isEmpty();
                }
            }
        }
    }

    @Test
    void randomEditSequencesWriteTheSameTreesAsTheModel() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Random rnd = new Random(seed);
            MDir model = randomDir(rnd, 250 + rnd.nextInt(150), 0);
            ObjectId tree = referenceRoot(model, true);
            validate(tree);
            for (int round = 0; round < 60; round++) {
                TreeEdit edit = new TreeEdit(reader, ins, tree);
                List<String> log = new ArrayList<>();
                int ops = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 : 6);
                for (int i = 0; i < ops; i++) {
                    randomOperation(rnd, edit, model, log);
                }
                tree = edit.writeTree();
                ObjectId expected = referenceRoot(model, false);
                if (!tree.equals(expected)) {
                    assertThat(flatten(tree)).as("seed %d round %d after %s", seed, round, log)
                            .isEqualTo(flatten(referenceRoot(model, true)));
                }
                assertThat(tree).as("seed %d round %d after %s", seed, round, log).isEqualTo(expected);
                validate(tree);
            }
        }
    }
}
