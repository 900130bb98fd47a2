package dev.davit.dav;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A refusal decided by the WebDAV front end itself (as opposed to a storage outcome): the status, a
 * short machine-readable case name for the body, an optional RFC 4918 precondition element (local name
 * in the {@code DAV:} namespace) and a message for people.
 */
final class DavProblem extends RuntimeException {
    private final int status;
    private final String errorCase;
    private final String precondition;
    private final transient ObjectId current;

    DavProblem(int status, String errorCase, String message) {
        this(status, errorCase, null, message);
    }

    DavProblem(int status, String errorCase, String precondition, String message) {
        this(status, errorCase, precondition, message, null);
    }

    /** @param current the resource's current version, sent back as its ETag (null when unknown or absent) */
    DavProblem(int status, String errorCase, String precondition, String message, ObjectId current) {
        super(message, null, false, false);
        this.status = status;
        this.errorCase = errorCase;
        this.precondition = precondition;
        this.current = current;
    }

    ObjectId current() {
        return current;
    }

    int status() {
        return status;
    }

    String errorCase() {
        return errorCase;
    }

    String precondition() {
        return precondition;
    }

    static DavProblem badRequest(String message) {
        return new DavProblem(400, "bad-request", message);
    }
}
