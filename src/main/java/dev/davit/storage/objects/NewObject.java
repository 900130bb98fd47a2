package dev.davit.storage.objects;

import org.eclipse.jgit.lib.ObjectId;

/**
 * An object a write made, on its way to the repository: its type and content, as the commit log record
 * holds it and the pack receives it.
 */
public record NewObject(ObjectId id, int type, byte[] bytes) {
    public static NewObject of(ObjectId id, int type, byte[] data, int off, int len) {
        byte[] raw = off == 0 && len == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + len);
        return new NewObject(id, type, raw);
    }

    /** Memory held until the object is in a pack. */
    public long weight() {
        return bytes.length + 64L;
    }
}
