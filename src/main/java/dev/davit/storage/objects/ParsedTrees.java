package dev.davit.storage.objects;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;

/**
 * The last trees read as {@link RawTree}s, by id: a PUT into a folder of thousands of files reads that
 * folder's tree several times (the request's lookups of the target and its property files, then the commit's
 * edit), and the next PUT reads the tree the last one wrote. Parsed once and searched by binary search, instead
 * of a scan per lookup and a parse per edit (together ~10% of a PUT's thread, JFR, 3,000 sequential PUTs into
 * one folder). Bounded by the bytes of the trees it holds; least recently used go first. Thread-safe.
 */
public final class ParsedTrees {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<ObjectId, RawTree> trees = new LinkedHashMap<>(64, 0.75f, true);

    public ParsedTrees(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Tree {@code id}, parsed (read with {@code reader} when it is not held). */
    public RawTree get(ObjectReader reader, ObjectId id) throws IOException {
        synchronized (this) {
            RawTree t = trees.get(id);
            if (t != null) {
                return t;
            }
        }
        RawTree t = RawTree.parse(reader.open(id, Constants.OBJ_TREE).getCachedBytes());
        put(id, t);
        return t;
    }

    /** Tree {@code id} when it is held, else null (nothing is read). */
    public synchronized RawTree peek(ObjectId id) {
        return trees.get(id);
    }

    /** Holds {@code tree}, whose id is {@code id} (a tree just written, already indexed). */
    public void put(ObjectId id, RawTree t) {
        long weight = weight(t);
        if (weight > maxBytes / 4) {
            return; // one huge folder would push out everything else
        }
        synchronized (this) {
            if (trees.putIfAbsent(id.copy(), t) == null) {
                bytes += weight;
                for (var it = trees.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
                    Map.Entry<ObjectId, RawTree> oldest = it.next();
                    bytes -= weight(oldest.getValue());
                    it.remove();
                }
            }
        }
    }

    /** The tree's bytes and its index (three ints per entry). */
    private static long weight(RawTree t) {
        return t.byteSize() + 12L * t.size() + 64;
    }
}
