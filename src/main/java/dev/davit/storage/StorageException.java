package dev.davit.storage;

/**
 * Base of the closed set of failures that {@code storage} reports. Front ends translate each subclass
 * into a status in exactly one place; anything else is an internal error.
 */
public abstract class StorageException extends Exception {
    protected StorageException(String message) {
        super(message);
    }

    protected StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
