package dev.davit.storage;

/** Something already exists where the write wanted to create something new (MKCOL on a mapped URL). */
public final class AlreadyExistsException extends StorageException {
    private final RepoPath path;

    public AlreadyExistsException(RepoPath path) {
        super(path + " already exists");
        this.path = path;
    }

    public RepoPath path() {
        return path;
    }
}
