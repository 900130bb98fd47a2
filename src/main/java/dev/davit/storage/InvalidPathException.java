package dev.davit.storage;

/**
 * A path that may not be used at all: malformed ({@link Reason#MALFORMED}, a 400) or pointing at
 * something the server keeps to itself, such as {@code .git} or a hidden helper file
 * ({@link Reason#FORBIDDEN}, a 403). Refused before anything is read or written.
 */
public final class InvalidPathException extends StorageException {
    public enum Reason { MALFORMED, FORBIDDEN }

    private final Reason reason;

    public InvalidPathException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
