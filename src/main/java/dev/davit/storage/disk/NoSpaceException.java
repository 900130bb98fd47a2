package dev.davit.storage.disk;

import java.io.IOException;

/**
 * The disk is full: nothing of the write was kept. Front ends answer 507 Insufficient Storage (RFC 4918
 * §11.5); reads go on working, and writes work again as soon as space is freed, without a restart.
 */
public final class NoSpaceException extends IOException {
    public NoSpaceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code e} itself, or a NoSpaceException when it (or a cause) is ENOSPC or EDQUOT; else null. */
    public static NoSpaceException of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSpaceException n) {
                return n;
            }
            String m = t.getMessage();
            // The JDK reports errno only as strerror text: "No space left on device" (ENOSPC), "Disk quota exceeded" (EDQUOT).
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return new NoSpaceException("the disk is full: " + m, e);
            }
        }
        return null;
    }

    /** Rethrows {@code e} as a NoSpaceException when the disk is full, else as it is. */
    public static IOException translate(IOException e) {
        NoSpaceException n = of(e);
        return n != null ? n : e;
    }
}
