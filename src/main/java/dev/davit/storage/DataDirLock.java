package dev.davit.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An OS file lock on {@code {data}/.davit/instance.flock}, held while a server uses the data directory. A
 * second server on the same directory used to delete the first one's lock files and log segments as
 * "left by a crash"; now it stops before touching anything. The kernel drops the lock when the process
 * dies, however it dies, so a crash never leaves a stale lock behind.
 */
final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(".davit");
        Files.createDirectories(dir);
        Path file = dir.resolve("instance.flock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process (another Repositories on the same directory)
        }
        if (lock == null) {
            ch.close();
            throw new DataDirInUseException("the data directory " + dataDir + " is in use by another Davit server ("
                    + file + " is locked); refusing to start");
        }
        return new DataDirLock(ch, lock);
    }

    /** Another server holds the data directory. */
    public static final class DataDirInUseException extends IOException {
        DataDirInUseException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock anyway
        }
    }
}
