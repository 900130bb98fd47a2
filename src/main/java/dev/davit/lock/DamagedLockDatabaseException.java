package dev.davit.lock;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The lock database cannot be read whole; the message names the file, what is wrong and how to proceed,
 * and is meant for the person starting the server.
 */
public final class DamagedLockDatabaseException extends IOException {
    private final Path file;

    DamagedLockDatabaseException(Path file, String problem) {
        super("the lock database " + file.toAbsolutePath() + " is damaged: " + problem + ". Davit does not start without"
                + " the locks it acknowledged (a client holding one could be overwritten). Restore the file from a backup,"
                + " or set locks.damaged=discard to start without its locks (the file is kept beside as "
                + file.getFileName() + ".damaged-TIME and every lock that can still be read is logged as dropped).");
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
