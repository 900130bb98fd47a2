package dev.davit.dav;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.lock.Lock;

/**
 * A write refused because of someone's lock: the token of {@code lock} was not submitted (RFC 4918
 * §16 {@code lock-token-submitted}) or a new lock collides with it ({@code no-conflicting-lock}). The
 * answer is 409 by default or 423 by setting, and describes the lock without its token.
 */
final class LockedProblem extends RuntimeException {
    private final transient Lock lock;
    private final String rootHref;
    private final boolean lockRequest;
    private final transient ObjectId current;

    LockedProblem(Lock lock, String rootHref, boolean lockRequest, ObjectId current, String message) {
        super(message, null, false, false);
        this.lock = lock;
        this.rootHref = rootHref;
        this.lockRequest = lockRequest;
        this.current = current;
    }

    Lock lock() {
        return lock;
    }

    String rootHref() {
        return rootHref;
    }

    /** The RFC 4918 §16 precondition element that names what was violated. */
    String precondition() {
        return lockRequest ? "no-conflicting-lock" : "lock-token-submitted";
    }

    ObjectId current() {
        return current;
    }
}
