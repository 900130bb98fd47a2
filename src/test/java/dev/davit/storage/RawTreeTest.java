package dev.davit.storage;

import dev.davit.storage.objects.RawTree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.Test;

/**
 * {@link RawTree} against JGit's {@link TreeFormatter} fed in an order computed independently: git sorts a
 * tree by the bytes of each name, a tree's name followed by '/'; that is plain unsigned lexicographic order
 * of {@code name + "/"} for trees and {@code name} for files.
 */
class RawTreeTest {
    private record E(String name, FileMode mode, ObjectId id) {
        boolean tree() {
            return mode == FileMode.TREE;
        }

        byte[] key() {
            return (tree() ? name + "/" : name).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static final Comparator<E> REFERENCE_ORDER = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectId id(int n) {
        byte[] raw = new byte[20];
        raw[0] = (byte) 0xab;
        raw[16] = (byte) (n >>> 24);
        raw[17] = (byte) (n >>> 16);
        raw[18] = (byte) (n >>> 8);
        raw[19] = (byte) n;
        return ObjectId.fromRaw(raw);
    }

    private static E file(String name, int id) {
        return new E(name, FileMode.REGULAR_FILE, id(id));
    }

    private static E dir(String name, int id) {
        return new E(name, FileMode.TREE, id(id));
    }

    /** What JGit writes for these entries, put in git order by the independent rule above. */
    private static byte[] reference(List<E> entries) {
        List<E> sorted = new ArrayList<>(entries);
        sorted.sort(REFERENCE_ORDER);
        TreeFormatter fmt = new TreeFormatter();
        sorted.forEach(e -> fmt.append(e.name(), e.mode(), e.id()));
        return fmt.toByteArray();
    }

    private static RawTree.NewEntry entry(E e) {
        return new RawTree.NewEntry(utf8(e.name()), e.mode(), e.id());
    }

    private static byte[] rewrite(List<E> base, List<String> removed, List<E> added) throws CorruptObjectException {
        RawTree t = RawTree.parse(reference(base));
        assertThat(t.isSorted()).isTrue();
        RawTree out = t.rewritten(removed.stream().map(RawTreeTest::utf8).toList(), added.stream().map(RawTreeTest::entry).toList());
        // The index made while rewriting is the one a parse of the bytes makes: the next write searches it.
        RawTree parsed = RawTree.parse(out.bytes());
        assertThat(listing(out)).isEqualTo(listing(parsed));
        assertThat(out.isSorted()).isEqualTo(parsed.isSorted());
        for (int i = 0; i < parsed.size(); i++) {
            byte[] name = utf8(parsed.name(i));
            assertThat(out.find(name, parsed.isTree(i))).as("find %s", parsed.name(i)).isEqualTo(i);
            assertThat(out.lookup(name)).isEqualTo(parsed.lookup(name));
        }
        return out.bytes();
    }

    private static void assertSameTree(byte[] actual, byte[] expected) throws CorruptObjectException {
        assertThat(RawTree.parse(actual).isSorted()).isTrue();
        if (actual.length > 0) {
            new ObjectChecker().checkTree(actual);
        }
        assertThat(listing(actual)).isEqualTo(listing(expected));
        assertThat(actual).isEqualTo(expected);
    }

    private static List<String> listing(byte[] tree) throws CorruptObjectException {
        return listing(RawTree.parse(tree));
    }

    private static List<String> listing(RawTree t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            out.add(t.mode(i) + " " + t.name(i) + " " + t.id(i).name());
        }
        return out;
    }

    @Test
    void aFolderSortsAsIfItsNameEndedInASlash() throws Exception {
        List<E> base = List.of(file("a.b", 1), file("a-b", 2), dir("a", 3), file("a0", 4), file("b", 5));
        byte[] raw = reference(base);
        RawTree t = RawTree.parse(raw);
        assertThat(listing(raw)).extracting(s -> s.split(" ")[1]).containsExactly("a-b", "a.b", "a", "a0", "b");
        assertThat(t.isSorted()).isTrue();
        assertThat(t.find(utf8("a"), true)).isEqualTo(2);
        assertThat(t.find(utf8("a"), false)).as("no file a: insertion point before a-b").isEqualTo(-1);
        assertThat(t.find(utf8("a"))).isEqualTo(2);
        assertThat(t.find(utf8("a0"))).isEqualTo(3);
        assertThat(t.find(utf8("a/"))).isEqualTo(-1);
        assertThat(t.find(utf8("c"))).isEqualTo(-1);
        assertThat(t.isTree(2)).isTrue();
        assertThat(t.mode(2)).isSameAs(FileMode.TREE);
        assertThat(t.id(2)).isEqualTo(id(3));

        // the same name as a file sorts first, before a-b
        assertSameTree(rewrite(base, List.of(), List.of(file("a", 9))), reference(List.of(file("a.b", 1), file("a-b", 2),
                file("a", 9), file("a0", 4), file("b", 5))));
    }

    @Test
    void scanFindsEachEntryByItsWholeNameAndRefusesATornTree() throws Exception {
        List<E> base = List.of(file("a.b", 1), file("a-b", 2), dir("a", 3), file("a0", 4),
                new E("sub", FileMode.GITLINK, id(5)), new E("run", FileMode.EXECUTABLE_FILE, id(6)));
        byte[] raw = reference(base);
        for (E e : base) {
            RawTree.Found f = RawTree.scan(raw, utf8(e.name()));
            assertThat(f).as(e.name()).isNotNull();
            assertThat(f.id()).as(e.name()).isEqualTo(e.id());
            assertThat(f.mode()).as(e.name()).isEqualTo(e.mode().getBits());
            assertThat(f.isTree()).as(e.name()).isEqualTo(e.tree());
            assertThat(f.isGitlink()).as(e.name()).isEqualTo(e.mode() == FileMode.GITLINK);
        }
        assertThat(RawTree.scan(raw, utf8("a/"))).isNull();
        assertThat(RawTree.scan(raw, utf8("a0x"))).as("a longer name is another name").isNull();
        assertThat(RawTree.scan(raw, utf8("b"))).isNull();
        assertThat(RawTree.scan(new byte[0], utf8("a"))).isNull();
        assertThatThrownBy(() -> RawTree.scan(Arrays.copyOf(raw, raw.length - 3), utf8("zzz")))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void replacingAFileByAFolderOfTheSameNameMovesItsEntry() throws Exception {
        List<E> withFile = List.of(file("a", 1), file("a-b", 2), file("a.b", 3), file("a0", 4));
        List<E> withDir = List.of(dir("a", 9), file("a-b", 2), file("a.b", 3), file("a0", 4));
        assertSameTree(rewrite(withFile, List.of(), List.of(dir("a", 9))), reference(withDir));
        assertSameTree(rewrite(withDir, List.of(), List.of(file("a", 1))), reference(withFile));
        // a removal names the entry whatever it is
        assertSameTree(rewrite(withFile, List.of("a"), List.of()), reference(withFile.subList(1, 4)));
        assertSameTree(rewrite(withDir, List.of("a"), List.of()), reference(withDir.subList(1, 4)));
    }

    @Test
    void removesTheFirstTheLastAndTheOnlyEntry() throws Exception {
        List<E> base = List.of(file("0", 1), dir("m", 2), file("\uD83D\uDE00", 3));
        assertSameTree(rewrite(base, List.of("0"), List.of()), reference(List.of(dir("m", 2), file("\uD83D\uDE00", 3))));
        assertSameTree(rewrite(base, List.of("\uD83D\uDE00"), List.of()), reference(List.of(file("0", 1), dir("m", 2))));
        assertSameTree(rewrite(base, List.of("0", "\uD83D\uDE00"), List.of(file("~", 7))),
                reference(List.of(dir("m", 2), file("~", 7))));
        assertThat(rewrite(List.of(file("only", 1)), List.of("only"), List.of())).isEmpty();
        assertThat(rewrite(base, List.of("0", "m", "\uD83D\uDE00", "not there"), List.of())).isEmpty();
        // adding to nothing is plain sorting
        assertSameTree(RawTree.EMPTY.rewrite(List.of(), List.of(entry(file("b", 1)), entry(dir("a", 2)), entry(file("a.b", 3)))),
                reference(List.of(file("b", 1), dir("a", 2), file("a.b", 3))));
    }

    @Test
    void nonAsciiNamesSortByTheirUtf8Bytes() throws Exception {
        // Java's String order (UTF-16) puts U+1F600 (surrogates D83D DE00) before U+FF5E; git's UTF-8 order
        // puts it after (F0 9F 98 80 > EF BD 9E). Every non-ASCII name sorts after every ASCII one.
        List<E> base = List.of(file("z", 1), file("\u00e9", 2), file("\uff5e", 3), dir("\u4e2d", 4));
        byte[] raw = reference(base);
        assertThat(listing(raw)).extracting(s -> s.split(" ")[1]).containsExactly("z", "\u00e9", "\u4e2d", "\uff5e");
        assertSameTree(rewrite(base, List.of("\u00e9"), List.of(file("\uD83D\uDE00", 5), file("\u00e8", 6), dir("\u4e2d", 7))),
                reference(List.of(file("z", 1), file("\u00e8", 6), dir("\u4e2d", 7), file("\uff5e", 3), file("\uD83D\uDE00", 5))));
    }

    @Test
    void untouchedEntriesKeepTheirModeBytesExactly() throws Exception {
        // 100664 (old git) and zero-padded 040000 are what JGit's formatter would never write; copied bytes keep them.
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes(utf8("040000 a\0"));
        raw.writeBytes(rawId(1));
        raw.writeBytes(utf8("100664 b\0"));
        raw.writeBytes(rawId(2));
        raw.writeBytes(utf8("120000 c\0"));
        raw.writeBytes(rawId(3));
        raw.writeBytes(utf8("160000 d\0"));
        raw.writeBytes(rawId(4));
        raw.writeBytes(utf8("100755 e\0"));
        raw.writeBytes(rawId(5));
        byte[] base = raw.toByteArray();
        RawTree t = RawTree.parse(base);
        assertThat(t.isSorted()).isTrue();
        assertThat(t.isTree(0)).isTrue();
        assertThat(t.mode(2)).isSameAs(FileMode.SYMLINK);
        assertThat(t.mode(3)).isSameAs(FileMode.GITLINK);
        assertThat(t.mode(4)).isSameAs(FileMode.EXECUTABLE_FILE);

        byte[] out = t.rewrite(List.of(), List.of(entry(file("bb", 9))));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        int split = 2 * (6 + 1 + 1 + 1 + 20); // after a and b: mode, space, name, NUL, id
        expected.write(base, 0, split);
        expected.writeBytes(utf8("100644 bb\0"));
        expected.writeBytes(rawId(9));
        expected.write(base, split, base.length - split);
        assertThat(out).isEqualTo(expected.toByteArray());
    }

    private static byte[] rawId(int n) {
        byte[] b = new byte[20];
        id(n).copyRawTo(b, 0);
        return b;
    }

    @Test
    void parseRejectsBrokenTreesAndNoticesOneOutOfOrder() throws Exception {
        assertThat(RawTree.parse(new byte[0]).size()).isZero();
        assertThatThrownBy(() -> RawTree.parse(utf8("100644 a\0short"))).isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> RawTree.parse(utf8("100644 a"))).isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> RawTree.parse(utf8("100644"))).isInstanceOf(CorruptObjectException.class);
        byte[] badMode = reference(List.of(file("a", 1)));
        badMode[1] = '9';
        assertThatThrownBy(() -> RawTree.parse(badMode)).isInstanceOf(CorruptObjectException.class);
        byte[] noName = new byte[7 + 1 + 20];
        System.arraycopy(utf8("100644 \0"), 0, noName, 0, 8);
        assertThatThrownBy(() -> RawTree.parse(noName)).isInstanceOf(CorruptObjectException.class);

        TreeFormatter unsorted = new TreeFormatter();
        unsorted.append("b", FileMode.REGULAR_FILE, id(1));
        unsorted.append("a", FileMode.REGULAR_FILE, id(2));
        assertThat(RawTree.parse(unsorted.toByteArray()).isSorted()).isFalse();
        TreeFormatter duplicate = new TreeFormatter();
        duplicate.append("a", FileMode.REGULAR_FILE, id(1));
        duplicate.append("a", FileMode.REGULAR_FILE, id(2));
        assertThat(RawTree.parse(duplicate.toByteArray()).isSorted()).isFalse();
        TreeFormatter folderBeforeDash = new TreeFormatter();
        folderBeforeDash.append("a", FileMode.TREE, id(1));
        folderBeforeDash.append("a-b", FileMode.REGULAR_FILE, id(2));
        assertThat(RawTree.parse(folderBeforeDash.toByteArray()).isSorted()).isFalse();
    }

    @Test
    void compareAgreesWithTheReferenceOrderOnRandomNames() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            E a = randomEntry(rnd, i);
            E b = randomEntry(rnd, i + 1);
            byte[] x = utf8(a.name());
            byte[] y = utf8(b.name());
            int c = RawTree.compare(x, 0, x.length, a.tree(), y, 0, y.length, b.tree());
            assertThat(Integer.signum(c)).as("%s%s vs %s%s", a.name(), a.tree() ? "/" : "", b.name(), b.tree() ? "/" : "")
                    .isEqualTo(Integer.signum(REFERENCE_ORDER.compare(a, b)));
        }
    }

    /** Random trees, random removals and additions, against a sorted map written by JGit's formatter. */
    @Test
    void randomRewritesMatchTheFormatter() throws Exception {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            TreeMap<String, E> model = new TreeMap<>();
            int size = round % 10 == 0 ? rnd.nextInt(3) : 50 + rnd.nextInt(300);
            for (int i = 0; i < size; i++) {
                E e = randomEntry(rnd, i);
                model.put(e.name(), e);
            }
            List<E> base = new ArrayList<>(model.values());
            List<String> removed = new ArrayList<>();
            List<E> added = new ArrayList<>();
            TreeMap<String, E> after = new TreeMap<>(model);
            int changes = 1 + rnd.nextInt(12);
            for (int c = 0; c < changes; c++) {
                if (rnd.nextBoolean() && !base.isEmpty()) {
                    String name = base.get(rnd.nextInt(base.size())).name();
                    if (added.stream().noneMatch(e -> e.name().equals(name))) {
                        removed.add(name);
                        after.remove(name);
                    }
                } else {
                    E e = randomEntry(rnd, 10_000 + c);
                    if (added.stream().noneMatch(x -> x.name().equals(e.name()))) {
                        added.add(e); // may name a removed entry too: the addition wins
                        after.put(e.name(), e);
                    }
                }
            }
            byte[] actual = rewrite(base, removed, added);
            byte[] expected = reference(new ArrayList<>(after.values()));
            if (after.isEmpty()) {
                assertThat(actual).isEmpty();
            } else {
                assertSameTree(actual, expected);
            }
        }
    }

    private static final String[] ALPHABET = {"a", "b", ".", "-", "0", "/", " ", "\u00e9", "\u4e2d", "\uD83D\uDE00", "~"};

    static String randomName(Random rnd) {
        StringBuilder s = new StringBuilder();
        int len = 1 + rnd.nextInt(3);
        while (s.length() == 0 || s.toString().equals(".") || s.toString().equals("..")) {
            s.setLength(0);
            for (int i = 0; i < len; i++) {
                String c = ALPHABET[rnd.nextInt(ALPHABET.length)];
                s.append(c.equals("/") ? "_" : c); // names never hold '/'
            }
        }
        return s.toString();
    }

    private static E randomEntry(Random rnd, int id) {
        String name = randomName(rnd);
        int kind = rnd.nextInt(10);
        FileMode mode = kind < 3 ? FileMode.TREE : kind < 7 ? FileMode.REGULAR_FILE
                : kind == 7 ? FileMode.EXECUTABLE_FILE : kind == 8 ? FileMode.SYMLINK : FileMode.GITLINK;
        return new E(name, mode, id(id));
    }
}
