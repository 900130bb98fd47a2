package dev.davit.storage;

/**
 * A write would make a repository's files larger than {@code limits.repository.bytes}
 * ({@link RepositorySizes}): nothing of it was committed.
 */
public final class QuotaExceededException extends StorageException {
    private final long wouldHold;
    private final long maxBytes;

    public QuotaExceededException(long wouldHold, long maxBytes) {
        super("the repository would hold " + wouldHold + " bytes, over its limit of " + maxBytes);
        this.wouldHold = wouldHold;
        this.maxBytes = maxBytes;
    }

    /** The size of the repository's files had the write been committed. */
    public long wouldHold() {
        return wouldHold;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
