package dev.davit.storage.objects;

import org.eclipse.jgit.lib.ObjectId;

/**
 * An object a write made, on its way to the repository: its content (to read and to pack) and its loose
 * form (for the commit log record).
 */
public record NewObject(ObjectId id, int type, byte[] bytes, LooseObject loose) {
    public static NewObject of(ObjectId id, int type, byte[] data, int off, int len) {
        byte[] raw = off == 0 && len == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + len);
        return new NewObject(id, type, raw, LooseObject.of(id, type, raw, 0, raw.length));
    }

    /** Memory held until the object is in a pack. */
    public long weight() {
        return bytes.length + loose.deflated().length + 64L;
    }
}
