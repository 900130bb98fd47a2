package dev.davit.storage;

import java.io.IOException;

/**
 * A write bigger than this server takes as one commit: in cluster mode one entry of the replicated log holds a
 * write's new objects, and an entry holds at most {@link #maxBytes()}. Nothing of the write was kept. Not a full
 * disk (507): the same write is refused however much room there is, so the front ends answer 413 Content Too
 * Large (RFC 9110 §15.5.14), which clients report as a file too big rather than a server out of space.
 */
public final class WriteTooLargeException extends IOException {
    private final long maxBytes;

    public WriteTooLargeException(String message, long maxBytes, Throwable cause) {
        super(message, cause);
        this.maxBytes = maxBytes;
    }

    /** The most one write may hold. */
    public long maxBytes() {
        return maxBytes;
    }
}
