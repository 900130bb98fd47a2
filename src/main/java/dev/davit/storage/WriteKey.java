package dev.davit.storage;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A client's key for one write (an {@code Idempotency-Key}, with who sent it and where: a key means nothing
 * outside them) and a digest of the request it came with, so that the same key with another request is told
 * apart. In cluster mode the key travels with the commit its write makes, in the same entry of the replicated
 * log ({@link CommitPoint#commit}), so no node can know the commit without the key or the key without the commit.
 *
 * @param id          who, where and the key itself, as the front end spells them
 * @param fingerprint what the request was (method, URL, a digest of the body)
 */
public record WriteKey(String id, String fingerprint) {
    /** The commit a keyed write made. */
    public record Commit(WriteKey key, ObjectId commit) {
    }
}
