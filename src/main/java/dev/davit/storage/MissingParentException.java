package dev.davit.storage;

/**
 * A write into a folder that does not exist, or below a file (RFC 4918 §9.7.1: the server must not
 * create intermediate collections). {@code blocker} is the first ancestor that is missing or is a file.
 */
public final class MissingParentException extends StorageException {
    private final RepoPath path;
    private final RepoPath blocker;
    private final boolean blockerIsFile;

    public MissingParentException(RepoPath path, RepoPath blocker, boolean blockerIsFile) {
        super(blockerIsFile
                ? "cannot write " + path + ": " + blocker + " is a file, not a folder"
                : "cannot write " + path + ": folder " + blocker + " does not exist");
        this.path = path;
        this.blocker = blocker;
        this.blockerIsFile = blockerIsFile;
    }

    public RepoPath path() {
        return path;
    }

    /** The first ancestor of {@link #path()} that is missing, or that is a file. */
    public RepoPath blocker() {
        return blocker;
    }

    public boolean blockerIsFile() {
        return blockerIsFile;
    }
}
