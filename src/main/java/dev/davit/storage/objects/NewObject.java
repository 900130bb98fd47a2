package dev.davit.storage.objects;

import org.eclipse.jgit.lib.ObjectId;

/**
 * An object a write made, on its way to the repository: its type and content, as the commit log record
 * holds it and the pack receives it.
 *
 * @param previous for a tree a write rewrote, the version of that folder it replaced (null otherwise): the
 *     disk writer stores one as a delta of the other without searching for it ({@link KnownDeltas})
 * @param delta when not null, git's delta making {@code bytes} from {@code previous}'s bytes: what the commit
 *     log record holds instead of the whole tree (a folder of thousands of files is a tree of a few hundred KB
 *     that each write into it rewrites)
 */
public record NewObject(ObjectId id, int type, byte[] bytes, ObjectId previous, byte[] delta) {
    public NewObject(ObjectId id, int type, byte[] bytes) {
        this(id, type, bytes, null, null);
    }

    public static NewObject of(ObjectId id, int type, byte[] data, int off, int len) {
        return of(id, type, data, off, len, null);
    }

    public static NewObject of(ObjectId id, int type, byte[] data, int off, int len, ObjectId previous) {
        byte[] raw = off == 0 && len == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + len);
        return new NewObject(id, type, raw, previous, null);
    }

    /** Memory held until the object is in a pack. */
    public long weight() {
        return bytes.length + 64L;
    }
}
