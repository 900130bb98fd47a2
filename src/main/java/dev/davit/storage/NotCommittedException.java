package dev.davit.storage;

import java.io.IOException;

/**
 * A write that is not known to be committed (cluster mode: no leader, the leader lost its leadership, no
 * majority answered in time). Front ends answer 503 with {@code Retry-After} (RFC 9110 §15.6.4): never a 2xx,
 * since the write is not on a majority's disks. The write may still be committed later (it reached the
 * leader's log before the time-out); a retry with the same {@code If-Match} then answers 409, never a second
 * copy.
 */
public final class NotCommittedException extends IOException {
    /** Seconds a client should wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 1;

    public NotCommittedException(String message) {
        super(message);
    }

    public NotCommittedException(String message, Throwable cause) {
        super(message, cause);
    }
}
