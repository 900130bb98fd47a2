package dev.davit.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Git object ids computed with the JDK's SHA-1, which runs on the CPU's SHA instructions (~1-2 GB/s here)
 * where JGit's collision-detecting SHA-1 runs at ~100-150 MB/s. Every commit hashes each tree on the
 * changed path in full, and a folder of thousands of files is a tree of hundreds of KB: with JGit's hash
 * that was the largest cost of a PUT.
 *
 * <p>What collision detection protected against is kept by the callers: an id that the repository already
 * has is never trusted blindly; its stored bytes are compared with the new ones and a difference is refused
 * ({@link #requireSame}), as {@link LargeBlobs} does for large files. A crafted pair of files with one SHA-1
 * thus cannot replace one another. Objects received by git push still go through JGit's own checks.
 */
final class ObjectIds {
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    });

    private ObjectIds() {
    }

    /** The id of {@code data[off, off+len)} as an object of {@code type}: SHA-1 of "type size\0content". */
    static ObjectId of(int type, byte[] data, int off, int len) {
        MessageDigest md = SHA1.get();
        md.reset();
        md.update(Constants.encodedTypeString(type));
        md.update((byte) ' ');
        md.update(Constants.encodeASCII(len));
        md.update((byte) 0);
        md.update(data, off, len);
        return ObjectId.fromRaw(md.digest());
    }

    /**
     * Refuses content whose id is already taken by other bytes: only a SHA-1 collision can do that.
     *
     * @throws java.io.IOException when {@code stored} differs from the new content
     */
    static void requireSame(ObjectId id, byte[] stored, byte[] data, int off, int len) throws java.io.IOException {
        if (!java.util.Arrays.equals(stored, 0, stored.length, data, off, off + len)) {
            throw new java.io.IOException("SHA-1 collision: object " + id.name() + " is stored with other content; refused");
        }
    }
}
