package dev.davit.storage.objects;

import java.util.Arrays;
import java.util.List;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.RawParseUtils;

/**
 * A git tree object read in place: its raw bytes and an index of where each entry's name lies. A write
 * into a folder of thousands of files looks one name up and rewrites the tree with a few entries changed;
 * decoding every name into a String and sorting and formatting them all again would cost far more than the
 * object's bytes, so names are compared as bytes and untouched entries are copied as byte ranges.
 *
 * <p>An entry is {@code <octal mode> SP <name> NUL <20-byte id>}; entries are sorted by name bytes, a tree's
 * name compared as if it ended in '/'. Immutable; the bytes may be shared with the object cache and are
 * never written to.
 */
public final class RawTree {
    public static final RawTree EMPTY = new RawTree(new byte[0], new int[0], new int[0], new int[0], 0, true);

    private final byte[] data;
    /** Per entry: the mode bits, the first byte of the name, and the NUL that ends the name. */
    private final int[] modes;
    private final int[] nameStarts;
    private final int[] nameEnds;
    private final int count;
    private final boolean sorted;

    private RawTree(byte[] data, int[] modes, int[] nameStarts, int[] nameEnds, int count, boolean sorted) {
        this.data = data;
        this.modes = modes;
        this.nameStarts = nameStarts;
        this.nameEnds = nameEnds;
        this.count = count;
        this.sorted = sorted;
    }

    /**
     * Indexes the entries of tree object {@code data} (one pass; no name is decoded).
     *
     * @throws CorruptObjectException when the bytes are not a sequence of tree entries
     */
    public static RawTree parse(byte[] data) throws CorruptObjectException {
        // Entries are rarely shorter than ~30 bytes; the arrays grow if they are.
        int capacity = Math.max(8, data.length / 32);
        int[] modes = new int[capacity];
        int[] starts = new int[capacity];
        int[] ends = new int[capacity];
        int n = 0;
        boolean sorted = true;
        int p = 0;
        while (p < data.length) {
            int mode = 0;
            int digits = 0;
            for (; p < data.length && data[p] != ' '; p++, digits++) {
                int d = data[p] - '0';
                if (d < 0 || d > 7 || digits == 7) {
                    throw new CorruptObjectException("tree entry with an invalid mode");
                }
                mode = (mode << 3) | d;
            }
            int nameStart = p + 1;
            int nul = nameStart;
            while (nul < data.length && data[nul] != 0) {
                nul++;
            }
            if (digits == 0 || nameStart >= data.length || nul == nameStart || nul + 1 + Constants.OBJECT_ID_LENGTH > data.length) {
                throw new CorruptObjectException("truncated tree entry");
            }
            if (n == modes.length) {
                modes = Arrays.copyOf(modes, n * 2);
                starts = Arrays.copyOf(starts, n * 2);
                ends = Arrays.copyOf(ends, n * 2);
            }
            modes[n] = mode;
            starts[n] = nameStart;
            ends[n] = nul;
            // Binary search and the merge rely on the order; git never writes a tree out of order, but a
            // pushed tree is not checked, so the caller is told and can fall back to sorting.
            if (sorted && n > 0 && compare(data, starts[n - 1], ends[n - 1], isTreeMode(modes[n - 1]),
                    data, nameStart, nul, isTreeMode(mode)) >= 0) {
                sorted = false;
            }
            n++;
            p = nul + 1 + Constants.OBJECT_ID_LENGTH;
        }
        return new RawTree(data, modes, starts, ends, n, sorted);
    }

    /** The offset where the entry that holds byte {@code offset} starts (0 for none: before the first entry's end). */
    public int entryStartAtOrBefore(int offset) {
        int lo = 0;
        int hi = count - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int start = entryStart(mid);
            if (start <= offset) {
                found = start;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private int entryStart(int i) {
        return i == 0 ? 0 : nameEnds[i - 1] + 1 + Constants.OBJECT_ID_LENGTH;
    }

    /** The tree object's bytes (not a copy: not to be changed). */
    public byte[] bytes() {
        return data;
    }

    /** Length of the tree object's bytes. */
    public int byteSize() {
        return data.length;
    }

    /** Number of entries. */
    public int size() {
        return count;
    }

    /** False when the entries are not in strictly increasing git order (then no lookup here is reliable). */
    public boolean isSorted() {
        return sorted;
    }

    public boolean isTree(int i) {
        return isTreeMode(modes[i]);
    }

    public FileMode mode(int i) {
        return FileMode.fromBits(modes[i]);
    }

    public ObjectId id(int i) {
        return ObjectId.fromRaw(data, nameEnds[i] + 1);
    }

    /** The name of entry {@code i}, decoded as JGit's tree parser decodes it. */
    public String name(int i) {
        return RawParseUtils.decode(data, nameStarts[i], nameEnds[i]);
    }

    /**
     * The index of the entry named {@code name} that is a tree ({@code tree}) or not, else
     * {@code -(insertion point) - 1} like {@link Arrays#binarySearch}. Only for a sorted tree.
     */
    public int find(byte[] name, boolean tree) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(data, nameStarts[mid], nameEnds[mid], isTree(mid), name, 0, name.length, tree);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /** The entry named {@code name}, file or tree (a name is one or the other), or -1. */
    public int find(byte[] name) {
        int i = find(name, false);
        return i >= 0 ? i : Math.max(-1, find(name, true));
    }

    /** An entry found by {@link #scan}: its mode bits and id. */
    public record Found(int mode, ObjectId id) {
        public boolean isTree() {
            return isTreeMode(mode);
        }

        public boolean isGitlink() {
            return (mode & 0170000) == 0160000;
        }
    }

    /** The entry named {@code name} (file or tree), or null: a binary search (a scan if the tree is out of order). */
    public Found lookup(byte[] name) throws CorruptObjectException {
        if (!sorted) {
            return scan(data, name);
        }
        int i = find(name);
        return i < 0 ? null : new Found(modes[i], id(i));
    }

    /**
     * The entry named {@code name} (file or tree) in tree object {@code data}, or null: one pass over the
     * bytes that stops at the entry, without indexing the others. Why not JGit's {@code TreeWalk.forPath}:
     * a PUT into a folder of thousands of files looks names up there three times (the target, its property
     * file, the file's dead properties), and the walk's parser and path filter cost ~5% of the request
     * thread per lookup set (JFR, 3,000 sequential PUTs into one folder).
     */
    public static Found scan(byte[] data, byte[] name) throws CorruptObjectException {
        int p = 0;
        while (p < data.length) {
            int sp = p;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int nameStart = sp + 1;
            int nul = nameStart;
            while (nul < data.length && data[nul] != 0) {
                nul++;
            }
            int end = nul + 1 + Constants.OBJECT_ID_LENGTH;
            if (sp == p || nul >= data.length || end > data.length) {
                throw new CorruptObjectException("truncated tree entry");
            }
            if (nul - nameStart == name.length && Arrays.equals(data, nameStart, nul, name, 0, name.length)) {
                int mode = 0;
                for (int i = p; i < sp; i++) {
                    int d = data[i] - '0';
                    if (d < 0 || d > 7) {
                        throw new CorruptObjectException("tree entry with an invalid mode");
                    }
                    mode = (mode << 3) | d;
                }
                return new Found(mode, ObjectId.fromRaw(data, nul + 1));
            }
            p = end;
        }
        return null;
    }

    /** A new or replacing entry for {@link #rewrite}. */
    public record NewEntry(byte[] name, FileMode mode, ObjectId id) {
        public boolean isTree() {
            return isTreeMode(mode.getBits());
        }

        public int length() {
            return mode.copyToLength() + 1 + name.length + 1 + Constants.OBJECT_ID_LENGTH;
        }

        public int writeTo(byte[] out, int at) {
            mode.copyTo(out, at);
            at += mode.copyToLength();
            out[at++] = ' ';
            System.arraycopy(name, 0, out, at, name.length);
            at += name.length;
            out[at++] = 0;
            id.copyRawTo(out, at);
            return at + Constants.OBJECT_ID_LENGTH;
        }

        public static int gitOrder(NewEntry a, NewEntry b) {
            return compare(a.name, 0, a.name.length, a.isTree(), b.name, 0, b.name.length, b.isTree());
        }
    }

    /**
     * The bytes of this tree with every entry named in {@code removed} or {@code added} (file or tree of
     * that name) left out and the {@code added} entries put in their places in git order. Untouched entries
     * are copied as they are, byte ranges at a time (their modes exactly as stored). The names in
     * {@code added} must differ from each other. Only for a sorted tree.
     */
    public byte[] rewrite(List<byte[]> removed, List<NewEntry> added) {
        return rewritten(removed, added).data;
    }

    /**
     * {@link #rewrite}, indexed: the entries' places are known while they are copied (a copied entry moves by
     * the offset of its run), so the next write into the folder needs no {@link #parse} of the tree it reads
     * (that parse, a pass over every byte of a folder of thousands of files, was ~7% of a PUT's thread, JFR,
     * 9,000 sequential PUTs into folders).
     */
    public RawTree rewritten(List<byte[]> removed, List<NewEntry> added) {
        NewEntry[] adds = added.toArray(NewEntry[]::new);
        Arrays.sort(adds, NewEntry::gitOrder);
        int[] dropped = new int[2 * (removed.size() + adds.length)];
        int drops = 0;
        for (byte[] name : removed) {
            drops = collect(name, dropped, drops);
        }
        for (NewEntry e : adds) {
            drops = collect(e.name, dropped, drops);
        }
        Arrays.sort(dropped, 0, drops);
        int distinct = 0;
        for (int i = 0; i < drops; i++) {
            if (distinct == 0 || dropped[distinct - 1] != dropped[i]) {
                dropped[distinct++] = dropped[i];
            }
        }

        int size = data.length;
        for (int i = 0; i < distinct; i++) {
            size -= end(dropped[i]) - start(dropped[i]);
        }
        // Where each new entry goes: before the first existing entry that sorts after it. Positions grow
        // with the sorted adds, so one forward pass interleaves them with the copied ranges.
        int[] at = new int[adds.length];
        for (int k = 0; k < adds.length; k++) {
            int i = find(adds[k].name, adds[k].isTree());
            at[k] = i >= 0 ? i : -(i + 1);
            size += adds[k].length();
        }

        Copier c = new Copier(new byte[size], dropped, distinct, count - distinct + adds.length);
        int next = 0;
        for (int k = 0; k < adds.length; k++) {
            c.copyEntries(next, at[k]);
            next = at[k];
            c.add(adds[k]);
        }
        c.copyEntries(next, count);
        if (c.pos != size || c.n != c.modes.length) {
            throw new IllegalStateException("tree rewrite wrote " + c.pos + " of " + size + " bytes, "
                    + c.n + " of " + c.modes.length + " entries");
        }
        return new RawTree(c.out, c.modes, c.starts, c.ends, c.n, true);
    }

    private int collect(byte[] name, int[] into, int n) {
        int file = find(name, false);
        if (file >= 0) {
            into[n++] = file;
        }
        int tree = find(name, true);
        if (tree >= 0) {
            into[n++] = tree;
        }
        return n;
    }

    /** Copies runs of existing entries into the output, leaving out the dropped ones, and indexes the output. */
    private final class Copier {
        final byte[] out;
        int pos;
        final int[] modes;
        final int[] starts;
        final int[] ends;
        int n;
        private final int[] dropped;
        private final int drops;
        private int nextDrop;

        public Copier(byte[] out, int[] dropped, int drops, int entries) {
            this.out = out;
            this.dropped = dropped;
            this.drops = drops;
            this.modes = new int[entries];
            this.starts = new int[entries];
            this.ends = new int[entries];
        }

        public void add(NewEntry e) {
            int end = e.writeTo(out, pos);
            modes[n] = e.mode().getBits();
            ends[n] = end - Constants.OBJECT_ID_LENGTH - 1;
            starts[n] = ends[n] - e.name().length;
            n++;
            pos = end;
        }

        /** Entries {@code from} (inclusive) to {@code to} (exclusive), calls in increasing order. */
        public void copyEntries(int from, int to) {
            while (from < to) {
                while (nextDrop < drops && dropped[nextDrop] < from) {
                    nextDrop++;
                }
                int stop = nextDrop < drops && dropped[nextDrop] < to ? dropped[nextDrop] : to;
                int begin = start(from);
                int len = start(stop) - begin;
                System.arraycopy(data, begin, out, pos, len);
                int shift = pos - begin;
                int k = stop - from;
                System.arraycopy(RawTree.this.modes, from, modes, n, k);
                // Copied, then moved in place: loops of one index that the JIT vectorizes (one loop over two
                // indexes, i and n, was ~4% of a PUT's thread into a folder of a few thousand files, JFR).
                System.arraycopy(nameStarts, from, starts, n, k);
                System.arraycopy(nameEnds, from, ends, n, k);
                if (shift != 0) {
                    for (int j = n; j < n + k; j++) {
                        starts[j] += shift;
                    }
                    for (int j = n; j < n + k; j++) {
                        ends[j] += shift;
                    }
                }
                n += k;
                pos += len;
                from = stop == to ? to : stop + 1;
            }
        }
    }

    /** First byte of entry {@code i} ({@code i == size()} is the end of the data). */
    private int start(int i) {
        return i == 0 ? 0 : nameEnds[i - 1] + 1 + Constants.OBJECT_ID_LENGTH;
    }

    private int end(int i) {
        return nameEnds[i] + 1 + Constants.OBJECT_ID_LENGTH;
    }

    private static boolean isTreeMode(int bits) {
        return (bits & FileMode.TYPE_MASK) == FileMode.TYPE_TREE;
    }

    /**
     * Git's order of tree entries: names compared as unsigned bytes, a tree's name as if followed by '/'
     * (so folder {@code a} sorts after {@code a-b} and {@code a.b} but before {@code a0}).
     */
    public static int compare(byte[] a, int aFrom, int aTo, boolean aTree, byte[] b, int bFrom, int bTo, boolean bTree) {
        int m = Arrays.mismatch(a, aFrom, aTo, b, bFrom, bTo);
        if (m < 0) {
            return Boolean.compare(aTree, bTree); // same name: the file ("a" then end) before the tree ("a/")
        }
        int ca = aFrom + m < aTo ? Byte.toUnsignedInt(a[aFrom + m]) : (aTree ? '/' : 0);
        int cb = bFrom + m < bTo ? Byte.toUnsignedInt(b[bFrom + m]) : (bTree ? '/' : 0);
        // Equal only if one name holds a '/' where the other, a tree, ends: never in a valid tree, but
        // an exact-match search for such a name must not find the tree.
        return ca != cb ? Integer.compare(ca, cb) : Integer.compare(aTo - aFrom, bTo - bFrom);
    }
}
