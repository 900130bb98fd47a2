package dev.davit.storage.objects;


import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

/**
 * Git object ids, computed by JGit ({@link ObjectInserter.Formatter}). The server runs JGit with its own
 * JDK SHA-1 setting ({@code org.eclipse.jgit.util.sha1.implementation=jdkNative}, set by
 * {@code dev.davit.server.Main}), which runs on the CPU's SHA instructions (~1-2 GB/s here) where JGit's
 * default collision-detecting SHA-1 runs at ~100-150 MB/s: every commit hashes each tree on the changed path
 * in full, and with the default hash that was the largest cost of a PUT.
 *
 * <p>What collision detection protected against is kept by the callers: an id that the repository already
 * has is never trusted blindly; its stored bytes are compared with the new ones and a difference is refused
 * ({@link #requireSame}), as {@link LargeBlobs} does for large files. A crafted pair of files with one SHA-1
 * thus cannot replace one another.
 */
public final class ObjectIds {
    private ObjectIds() {
    }

    /** The id of {@code data[off, off+len)} as an object of {@code type}: SHA-1 of "type size\0content". */
    public static ObjectId of(int type, byte[] data, int off, int len) {
        return new ObjectInserter.Formatter().idFor(type, data, off, len);
    }

    /**
     * Refuses content whose id is already taken by other bytes: only a SHA-1 collision can do that.
     *
     * @throws java.io.IOException when {@code stored} differs from the new content
     */
    public static void requireSame(ObjectId id, byte[] stored, byte[] data, int off, int len) throws java.io.IOException {
        if (!java.util.Arrays.equals(stored, 0, stored.length, data, off, off + len)) {
            throw new java.io.IOException("SHA-1 collision: object " + id.name() + " is stored with other content; refused");
        }
    }
}
