package dev.davit.storage.maintenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives background work a lower CPU priority than requests. Java's thread priorities do nothing on Linux
 * (unless the JVM runs with -XX:ThreadPriorityPolicy=1), but Linux schedules threads as tasks with their own
 * nice value, and {@code renice} accepts a thread id: nice {@value #NICE} weighs ~1/9 of a request thread
 * when both want the CPU, and costs nothing when the CPU is idle. Best effort: where it cannot be done (no
 * /proc, no renice) the work runs at normal priority, as before.
 */
public final class LowPriority {
    private static final Logger LOG = LoggerFactory.getLogger(LowPriority.class);
    public static final int NICE = 10;

    private LowPriority() {
    }

    /** Lowers the calling thread's priority; returns whether it worked. */
    public static boolean lowerCurrentThread() {
        try {
            Path self = Path.of("/proc/thread-self");
            if (!Files.exists(self)) {
                return false;
            }
            String tid = Files.readSymbolicLink(self).getFileName().toString(); // "<pid>/task/<tid>"
            Process p = new ProcessBuilder("renice", "-n", String.valueOf(NICE), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("could not lower the priority of {}: {}", Thread.currentThread().getName(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The nice value of the calling thread, or null where /proc does not tell (for tests). */
    public static Integer niceOfCurrentThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: nice is field 19.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[19 - 3]);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
