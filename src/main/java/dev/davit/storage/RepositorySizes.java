package dev.davit.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * The size of each repository's files and the optional limit on it ({@code limits.repository.bytes}), the
 * one place every front end asks: WebDAV for its RFC 4331 quota properties and to refuse a declared PUT
 * before its body arrives, {@link GitRepository} for every commit a write makes (WebDAV, REST), and git
 * smart HTTP for a push. The size is that of the visible files on a tree (what a user put there, not git's
 * compressed storage; hidden helper files do not count).
 *
 * <p>A folder's size is remembered by its tree id (the same id is the same content in any repository): a
 * commit changes only the trees on its paths, so after a write only those folders are summed again, never
 * the whole repository. Thread-safe, bounded.
 */
public final class RepositorySizes {
    private static final int MAX_TREES = 200_000;

    private final Path dataDir;
    private volatile long maxBytes;
    private final Map<ObjectId, Long> treeSizes = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectId, Long> eldest) {
            return size() > MAX_TREES;
        }
    };

    RepositorySizes(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Sets the per-repository limit in bytes; 0 = none. */
    void limit(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("a repository size limit cannot be negative: " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public boolean limited() {
        return maxBytes > 0;
    }

    /** The limit, 0 for none. */
    public long maxBytes() {
        return maxBytes;
    }

    /** The bytes of every file in the snapshot's tree. */
    public long used(Snapshot s) throws IOException {
        return treeSize(s.reader(), s.root().id());
    }

    /** What may still be written: the limit minus what is used, or the disk's free space without a limit. */
    public long available(Snapshot s) throws IOException {
        long max = maxBytes;
        if (max > 0) {
            return Math.max(0, max - used(s));
        }
        return Files.getFileStore(dataDir).getUsableSpace();
    }

    /** The bytes of a file, or of every file below a folder. */
    public long sizeOf(Snapshot s, Entry e) throws IOException {
        return e.isFolder() ? treeSize(s.reader(), e.id()) : s.size(e);
    }

    /**
     * Refuses a change that makes the snapshot's repository grow by {@code growth} bytes past the limit (a
     * front end that knows the growth early, before a body arrives); one that shrinks it or stays within it
     * passes. The commit is checked again by {@link #checkCommit}.
     */
    public void checkGrowth(Snapshot s, long growth) throws IOException, QuotaExceededException {
        long max = maxBytes;
        if (max <= 0 || growth <= 0) {
            return;
        }
        long used = used(s);
        if (used + growth > max) {
            throw new QuotaExceededException(used + growth, max);
        }
    }

    /**
     * Refuses moving a repository's files from tree {@code before} (null: none) to tree {@code after} when
     * {@code after} is over the limit and larger than {@code before}: a change that shrinks a repository
     * already over a (lowered) limit still passes.
     */
    public void checkCommit(ObjectReader reader, ObjectId before, ObjectId after) throws IOException, QuotaExceededException {
        long max = maxBytes;
        if (max <= 0) {
            return;
        }
        long size = treeSize(reader, after);
        if (size > max && size > (before == null ? 0 : treeSize(reader, before))) {
            throw new QuotaExceededException(size, max);
        }
    }

    /** The bytes of the visible files below {@code tree}, as {@link Snapshot#list} shows them. */
    long treeSize(ObjectReader reader, ObjectId tree) throws IOException {
        if (tree.equals(Snapshot.EMPTY_TREE)) {
            return 0; // the empty tree of a repository without commits is in no object store
        }
        synchronized (treeSizes) {
            Long known = treeSizes.get(tree);
            if (known != null) {
                return known;
            }
        }
        long n = 0;
        for (CanonicalTreeParser p = new CanonicalTreeParser(null, reader, tree); !p.eof(); p.next()) {
            FileMode mode = p.getEntryFileMode();
            if (mode == FileMode.GITLINK || HiddenNames.isHidden(p.getEntryPathString())) {
                continue;
            }
            n += mode == FileMode.TREE ? treeSize(reader, p.getEntryObjectId())
                    : reader.getObjectSize(p.getEntryObjectId(), Constants.OBJ_BLOB);
        }
        synchronized (treeSizes) {
            treeSizes.put(tree.copy(), n);
        }
        return n;
    }
}
