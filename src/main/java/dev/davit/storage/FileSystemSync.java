package dev.davit.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Flushes a whole file system to disk at once. The JDK offers fsync of one file only; a checkpoint must
 * flush every object file written since the last one, and one syncfs(2) does that for the price of one
 * flush instead of one per file. coreutils' {@code sync -f DIR} is syncfs(2) (Linux); where it is missing
 * or refuses {@code -f}, plain {@code sync} (sync(2), every file system) is used.
 */
final class FileSystemSync {
    private FileSystemSync() {
    }

    static void sync(Path dir) throws IOException {
        if (run("sync", "-f", dir.toString()) || run("sync")) {
            return;
        }
        throw new IOException("could not flush the file system of " + dir + " (neither 'sync -f' nor 'sync' ran)");
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** fsync of a directory, so that a file created or renamed in it survives a crash (Linux allows it). */
    static void syncDirectory(Path dir) throws IOException {
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
