package dev.davit.storage.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync of exactly the files and folders a next step relies on. There is deliberately no "flush the whole
 * file system" here: syncfs(2) or a {@code sync} subprocess hides which file a step needs, is not seen by
 * FUSE file systems (so a power-cut test cannot check it), and a failed {@code sync -f} falling back to
 * {@code sync} reports nothing.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** fsync of one file's data and size. */
    public static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * fsync of a directory, so that a file created, renamed or deleted in it survives a power cut: fsync of
     * the file itself covers its data, not its name (POSIX; ext4 and xfs agree, LazyFS checks it).
     */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for fsync; they order directory updates themselves.
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
                return;
            }
            throw e;
        }
    }
}
