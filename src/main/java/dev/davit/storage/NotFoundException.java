package dev.davit.storage;

/** The path, revision or repository does not exist. */
public final class NotFoundException extends StorageException {
    private final RepoPath path;

    public NotFoundException(RepoPath path, String message) {
        super(message);
        this.path = path;
    }

    public RepoPath path() {
        return path;
    }
}
