package dev.davit.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that lower their own scheduling priority (Linux nice) before their first task, for work that must
 * take only the cores requests leave: the password checks (issue 14: a PBKDF2 check is ~260 ms of one core,
 * and the checks guessers' free failures earn ran at the priority of the request threads, so on a 2-core
 * machine a user's request waited behind them; bench/auth_attack.py: the user's p99 3.7-8x its p99 without the
 * attack) and the background repacks. At nice 10 a thread weighs ~1/9 of a request thread when both want the
 * CPU, and costs nothing when the CPU is idle. Java's thread priorities do nothing on Linux (without
 * -XX:ThreadPriorityPolicy=1, which needs root), so the thread renices itself by its own id
 * ({@code /proc/thread-self}, setpriority(2) applies to one thread): a thread may always lower its priority.
 * Where that is not possible (another OS, no {@code renice}) the work runs at normal priority and one line
 * says so.
 */
public final class LowPriorityThreads implements ThreadFactory {
    private static final Logger LOG = LoggerFactory.getLogger(LowPriorityThreads.class);
    private final String name;
    private final int niceness;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger warned = new AtomicInteger();

    /** @param niceness the Linux nice value the threads take (1 to 19) */
    public LowPriorityThreads(String name, int niceness) {
        if (niceness < 1 || niceness > 19) {
            throw new IllegalArgumentException("niceness 1 to 19");
        }
        this.name = name;
        this.niceness = niceness;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(() -> {
            String why = lowerThisThread(niceness);
            if (why != null && warned.getAndIncrement() == 0) {
                LOG.warn("{} threads run at normal priority: {}", name, why);
            }
            task.run();
        }, name + "-" + count.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** The calling thread's nice value, or null where /proc does not tell (not Linux). */
    public static Integer niceOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: nice is field 19.
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Sets the calling thread's nice value; null when done, else why not. */
    static String lowerThisThread(int niceness) {
        Path self = Path.of("/proc/thread-self");
        try {
            if (!Files.isSymbolicLink(self)) {
                return "no /proc/thread-self";
            }
            String tid = Files.readSymbolicLink(self).getFileName().toString();
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(niceness), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "renice did not finish";
            }
            return p.exitValue() == 0 ? null : "renice exited with " + p.exitValue();
        } catch (IOException e) {
            return "renice: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
