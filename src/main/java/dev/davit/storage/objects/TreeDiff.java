package dev.davit.storage.objects;

import java.io.IOException;
import java.util.Arrays;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.util.RawParseUtils;

/**
 * The files that differ between two trees, recursively: what JGit's {@code TreeWalk} with
 * {@code TreeFilter.ANY_DIFF} and {@code setRecursive(true)} reports, plus the folders that are gone.
 *
 * <p>Why not that TreeWalk: the last-modified index diffs every commit against its parent, and one PUT into a
 * folder of 7,000 files made the walk compare all 7,000 entry pairs of that folder (JFR, 3,000 sequential
 * PUTs: 15% of the server's samples, a third of the request thread's). Here the common prefix of the two
 * trees' bytes is skipped with one vectorized {@link Arrays#mismatch}, the entries are compared only from
 * there, and the walk stops as soon as the rest of both trees is the same bytes; a one-file change costs a
 * scan for the entry boundary and a compare of bytes, not a parse of every entry.
 *
 * <p>Entries compare in git's order (a tree's name as if it ended in '/'), so a file and a folder of the same
 * name are two entries, one gone and one new, as in the TreeWalk. Gitlinks are files here, as there.
 */
public final class TreeDiff {
    /** What the diff reports, in path order of each tree. */
    public interface Visitor {
        /** A file (any non-tree entry) that differs: new ({@code added}), gone ({@code deleted}) or changed. */
        void file(String path, boolean added, boolean deleted);

        /** A folder of the old tree that the new one does not have (after the files in it). */
        default void folderGone(String path) {
        }

        /**
         * Whether to look into folder {@code path}, which differs between the trees ({@code oldTree} null: it is
         * new; {@code newTree} null: it is gone). False: nothing in it is reported, nor its going; a visitor that
         * needs to know no more than whether anything in it differs asks {@link #differs}, which stops at the
         * first file (all of a new folder of 100,000 files is otherwise reported).
         */
        default boolean descend(String path, ObjectId oldTree, ObjectId newTree) throws IOException {
            return true;
        }
    }

    private static final int TREE_MODE = 040000;

    private final ObjectReader reader;
    /** Trees held parsed, whose entry offsets spare the scan for the entry boundary (null: none). */
    private final ParsedTrees parsed;
    private final Visitor visitor;
    /** Set by {@link #differs}' visitor at the first file: every loop stops. */
    private boolean stop;

    private TreeDiff(ObjectReader reader, ParsedTrees parsed, Visitor visitor) {
        this.reader = reader;
        this.parsed = parsed;
        this.visitor = visitor;
    }

    /**
     * Reports the differences from tree {@code oldTree} (null: the empty tree) to {@code newTree}.
     */
    public static void diff(ObjectReader reader, ObjectId oldTree, ObjectId newTree, Visitor visitor) throws IOException {
        diff(reader, null, oldTree, newTree, visitor);
    }

    /**
     * As {@link #diff(ObjectReader, ObjectId, ObjectId, Visitor)}, finding where the trees start to differ by the
     * entry offsets of the ones {@code parsed} holds: after a write into a folder of thousands of files the scan
     * for that entry boundary, one byte at a time through the names before it, was most of the diff (JFR, 1 KiB
     * PUTs into a ~7,000-file folder: 5% of the request threads' samples); the write's own trees are held there.
     */
    public static void diff(ObjectReader reader, ParsedTrees parsed, ObjectId oldTree, ObjectId newTree, Visitor visitor) throws IOException {
        TreeDiff d = new TreeDiff(reader, parsed, visitor);
        d.diff("", oldTree, d.bytes(oldTree), d.bytes(newTree));
    }

    /** As {@link #diff(ObjectReader, ObjectId, ObjectId, Visitor)}, of two trees' bytes the caller read (null: empty). */
    public static void diff(ObjectReader reader, byte[] oldTree, byte[] newTree, Visitor visitor) throws IOException {
        new TreeDiff(reader, null, visitor).diff("", null, oldTree == null ? new byte[0] : oldTree, newTree == null ? new byte[0] : newTree);
    }

    /**
     * True when {@link #diff} would report at least one file from {@code oldTree} to {@code newTree} (either null:
     * the empty tree); looks no further than the first.
     */
    public static boolean differs(ObjectReader reader, ObjectId oldTree, ObjectId newTree) throws IOException {
        boolean[] found = {false};
        TreeDiff[] self = new TreeDiff[1];
        self[0] = new TreeDiff(reader, null, (path, added, deleted) -> {
            found[0] = true;
            self[0].stop = true;
        });
        self[0].diff("", oldTree, self[0].bytes(oldTree), self[0].bytes(newTree));
        return found[0];
    }

    private byte[] bytes(ObjectId tree) throws IOException {
        return tree == null ? new byte[0] : reader.open(tree, Constants.OBJ_TREE).getCachedBytes();
    }

    /** {@code aId}: the id of tree {@code a} when known (null otherwise). */
    private void diff(String prefix, ObjectId aId, byte[] a, byte[] b) throws IOException {
        int m = Arrays.mismatch(a, b);
        if (m < 0) {
            return;
        }
        // The bytes before m are the same in both: so are their entry boundaries. Start at the last one <= m.
        RawTree known = parsed != null && aId != null ? parsed.peek(aId) : null;
        int start = 0;
        if (known != null && known.byteSize() == a.length) {
            start = known.entryStartAtOrBefore(m);
        } else {
            for (int next; start < a.length && (next = entryEnd(a, start)) <= m; ) {
                start = next;
            }
        }
        Entry x = new Entry(a, start);
        Entry y = new Entry(b, start);
        while ((x.valid() || y.valid()) && !stop) {
            int c = !x.valid() ? 1 : !y.valid() ? -1 : Entry.compare(x, y);
            if (c == 0) {
                if (!x.sameBytes(y)) {
                    if (x.isTree() && y.isTree()) {
                        String path = prefix + x.name();
                        if (visitor.descend(path, x.id(), y.id())) {
                            diff(path + "/", x.id(), bytes(x.id()), bytes(y.id()));
                        }
                    } else {
                        visitor.file(prefix + x.name(), false, false);
                    }
                }
                x.next();
                y.next();
                if (a.length - x.pos == b.length - y.pos && Arrays.equals(a, x.pos, a.length, b, y.pos, b.length)) {
                    return; // the rest is the same bytes
                }
            } else if (c < 0) {
                gone(prefix, x);
                x.next();
            } else {
                added(prefix, y);
                y.next();
            }
        }
    }

    private void gone(String prefix, Entry e) throws IOException {
        String path = prefix + e.name();
        if (!e.isTree()) {
            visitor.file(path, false, true);
            return;
        }
        if (!visitor.descend(path, e.id(), null)) {
            return;
        }
        byte[] t = bytes(e.id());
        for (Entry c = new Entry(t, 0); c.valid() && !stop; c.next()) {
            gone(path + "/", c);
        }
        visitor.folderGone(path);
    }

    private void added(String prefix, Entry e) throws IOException {
        String path = prefix + e.name();
        if (!e.isTree()) {
            visitor.file(path, true, false);
            return;
        }
        if (!visitor.descend(path, null, e.id())) {
            return;
        }
        byte[] t = bytes(e.id());
        for (Entry c = new Entry(t, 0); c.valid() && !stop; c.next()) {
            added(path + "/", c);
        }
    }

    /** The offset after the entry at {@code p}: {@code <mode> SP <name> NUL <20-byte id>}. */
    private static int entryEnd(byte[] t, int p) throws CorruptObjectException {
        int nul = p;
        while (nul < t.length && t[nul] != 0) {
            nul++;
        }
        int end = nul + 1 + Constants.OBJECT_ID_LENGTH;
        if (nul == t.length || end > t.length) {
            throw new CorruptObjectException("truncated tree entry");
        }
        return end;
    }

    /** A cursor over a tree's entries, decoding only what a comparison needs. */
    private static final class Entry {
        final byte[] t;
        int pos;
        int mode;
        int nameStart;
        int nameEnd;

        Entry(byte[] t, int pos) throws CorruptObjectException {
            this.t = t;
            this.pos = pos;
            read();
        }

        boolean valid() {
            return pos < t.length;
        }

        void next() throws CorruptObjectException {
            pos = nameEnd + 1 + Constants.OBJECT_ID_LENGTH;
            read();
        }

        private void read() throws CorruptObjectException {
            if (pos >= t.length) {
                return;
            }
            int p = pos;
            int md = 0;
            for (; p < t.length && t[p] != ' '; p++) {
                int d = t[p] - '0';
                if (d < 0 || d > 7) {
                    throw new CorruptObjectException("tree entry with an invalid mode");
                }
                md = (md << 3) | d;
            }
            mode = md;
            nameStart = p + 1;
            int end = entryEnd(t, pos);
            nameEnd = end - 1 - Constants.OBJECT_ID_LENGTH;
            if (nameEnd <= nameStart) {
                throw new CorruptObjectException("tree entry without a name");
            }
        }

        boolean isTree() {
            return (mode & 0170000) == TREE_MODE;
        }

        String name() {
            return RawParseUtils.decode(t, nameStart, nameEnd);
        }

        ObjectId id() {
            return ObjectId.fromRaw(t, nameEnd + 1);
        }

        boolean sameBytes(Entry o) {
            return Arrays.equals(t, pos, nameEnd + 1 + Constants.OBJECT_ID_LENGTH,
                    o.t, o.pos, o.nameEnd + 1 + Constants.OBJECT_ID_LENGTH);
        }

        /**
         * Git's order (its base_name_compare): name bytes unsigned, a tree's name as if it ended in '/'. Equal
         * only for the same name and kind: names hold neither '/' nor NUL.
         */
        static int compare(Entry x, Entry y) {
            int lx = x.nameEnd - x.nameStart;
            int ly = y.nameEnd - y.nameStart;
            int common = Math.min(lx, ly);
            int mm = Arrays.mismatch(x.t, x.nameStart, x.nameStart + common, y.t, y.nameStart, y.nameStart + common);
            if (mm >= 0) {
                return (x.t[x.nameStart + mm] & 0xff) - (y.t[y.nameStart + mm] & 0xff);
            }
            int cx = lx > common ? x.t[x.nameStart + common] & 0xff : x.isTree() ? '/' : 0;
            int cy = ly > common ? y.t[y.nameStart + common] & 0xff : y.isTree() ? '/' : 0;
            return cx - cy;
        }
    }
}
