package dev.davit.storage;

import org.eclipse.jgit.lib.ObjectId;

/**
 * The client's idea of a resource's version is not the current one: an {@code If-Match} that no longer
 * matches, or {@code If-None-Match: *} on a resource that exists. Thrown by preconditions evaluated
 * inside a write, so the check and the commit see the same head.
 */
public final class StaleException extends StorageException {
    private final RepoPath path;
    private final ObjectId current;
    private final String yours;

    /**
     * @param current the current object id, or null when the resource does not exist
     * @param yours   what the client sent (an entity tag list, {@code *}, ...)
     */
    public StaleException(RepoPath path, ObjectId current, String yours, String message) {
        super(message);
        this.path = path;
        this.current = current;
        this.yours = yours;
    }

    public RepoPath path() {
        return path;
    }

    /** The current version, or null when the resource does not exist. */
    public ObjectId current() {
        return current;
    }

    public String yours() {
        return yours;
    }
}
