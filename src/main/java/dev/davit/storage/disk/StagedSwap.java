package dev.davit.storage.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replaces several files and folders of one folder with new ones so that a crash at any moment leaves either
 * all the old ones or all the new ones once {@link #recover} ran. The new ones are written into a staging folder
 * beside them ({@link #begin}), under the names they replace; {@link #commit} makes the staging folder durable
 * and renames it to {@code NAME.ready} (that rename is the moment of the change), then moves each new one into
 * place and deletes the staging folder. A crash after that rename leaves a {@code .ready} folder, which
 * {@link #recover} (run before the files are read) finishes moving; a crash before it leaves a staging folder
 * that {@link #recover} deletes. Every name of the set must be staged: a name missing from the {@code .ready}
 * folder is one moved into place already.
 */
public final class StagedSwap {
    private static final String READY = ".ready";

    private StagedSwap() {
    }

    /** A fresh, empty staging folder {@code base/staging} (what an interrupted earlier one left is deleted). */
    public static Path begin(Path base, String staging) throws IOException {
        Path dir = base.resolve(staging);
        deleteTree(dir);
        Files.createDirectories(dir);
        return dir;
    }

    /**
     * Puts everything staged in {@code base/staging} in place of the same names in {@code base}.
     *
     * @param names   every name the staging folder holds (each must be there)
     * @param durable fsync the new files and folders, and {@code base} after each rename
     */
    public static void commit(Path base, String staging, List<String> names, boolean durable) throws IOException {
        Path dir = base.resolve(staging);
        for (String n : names) {
            if (!Files.exists(dir.resolve(n))) {
                throw new IOException("nothing staged as " + n + " in " + dir);
            }
        }
        if (durable) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.toList()) {
                    if (Files.isDirectory(p)) {
                        DurableFiles.forceDirectory(p);
                    } else {
                        DurableFiles.force(p);
                    }
                }
            }
        }
        Files.move(dir, base.resolve(staging + READY), StandardCopyOption.ATOMIC_MOVE);
        if (durable) {
            DurableFiles.forceDirectory(base);
        }
        finish(base, staging, names, durable);
    }

    /** Before the files of the set are read: finishes a commit a crash interrupted, or drops an unfinished staging. */
    public static void recover(Path base, String staging, List<String> names, boolean durable) throws IOException {
        if (Files.isDirectory(base.resolve(staging + READY))) {
            finish(base, staging, names, durable);
        }
        deleteTree(base.resolve(staging));
    }

    private static void finish(Path base, String staging, List<String> names, boolean durable) throws IOException {
        Path ready = base.resolve(staging + READY);
        for (String n : names) {
            Path incoming = ready.resolve(n);
            if (!Files.exists(incoming)) {
                continue; // moved into place before a crash
            }
            Path target = base.resolve(n);
            // A folder cannot be renamed over one that holds files: the old one goes first (again after a crash
            // in the middle of it: the new one is still staged, so the name is still to be replaced).
            if (Files.isDirectory(target)) {
                deleteTree(target);
            }
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (durable) {
                DurableFiles.forceDirectory(base);
            }
        }
        deleteTree(ready);
        if (durable) {
            DurableFiles.forceDirectory(base);
        }
    }

    /** Deletes a file or a folder with everything below it; nothing when it does not exist. */
    public static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException gone) {
                    // deleted meanwhile
                }
            }
        }
    }
}
