package dev.davit.dav;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.Entry;
import dev.davit.storage.Snapshot;

/**
 * RFC 4331 quotas, per repository: {@code quota-used-bytes} is the size of the files on {@code main} (what a
 * user put there, not git's compressed storage), {@code quota-available-bytes} what the optional
 * {@code limits.repository.bytes} leaves (or, without a limit, the free space of the data directory's disk).
 * The quota is the repository's, so every collection in it reports the repository's figures.
 *
 * <p>A folder's size is remembered by its tree id: a commit changes only the trees on its paths, so after a
 * write only those folders are summed again, never the whole repository. Thread-safe, bounded.
 */
final class Quota {
    private static final int MAX_TREES = 200_000;

    private final long maxBytes;
    private final Path dataDir;
    private final Map<ObjectId, Long> treeSizes = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectId, Long> eldest) {
            return size() > MAX_TREES;
        }
    };

    /** @param maxBytes the per-repository limit; 0 = none */
    Quota(long maxBytes, Path dataDir) {
        this.maxBytes = maxBytes;
        this.dataDir = dataDir;
    }

    boolean limited() {
        return maxBytes > 0;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** The bytes of every file in the snapshot's tree. */
    long used(Snapshot s) throws IOException {
        return size(s, s.root());
    }

    /** What may still be written: the limit minus what is used, or the disk's free space without a limit. */
    long available(Snapshot s) throws IOException {
        if (limited()) {
            return Math.max(0, maxBytes - used(s));
        }
        return Files.getFileStore(dataDir).getUsableSpace();
    }

    /**
     * Refuses (507, RFC 4331 §6 {@code quota-not-exceeded}) a change that makes the repository grow by
     * {@code growth} bytes past the limit; a change that shrinks it or stays within it passes.
     */
    void checkGrowth(Snapshot s, long growth) throws IOException {
        if (!limited() || growth <= 0) {
            return;
        }
        long used = used(s);
        if (used + growth > maxBytes) {
            throw new DavProblem(507, "quota-not-exceeded", "quota-not-exceeded",
                    "the repository would hold " + (used + growth) + " bytes, over its limit of " + maxBytes);
        }
    }

    /** The bytes of a file, or of every file below a folder. */
    long sizeOf(Snapshot s, Entry e) throws IOException {
        return e.isFolder() ? size(s, e) : s.size(e);
    }

    private long size(Snapshot s, Entry folder) throws IOException {
        synchronized (treeSizes) {
            Long known = treeSizes.get(folder.id());
            if (known != null) {
                return known;
            }
        }
        long n = 0;
        for (Entry e : s.list(folder)) {
            n += e.isFolder() ? size(s, e) : s.size(e);
        }
        synchronized (treeSizes) {
            treeSizes.put(folder.id(), n);
        }
        return n;
    }
}
