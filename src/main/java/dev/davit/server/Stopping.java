package dev.davit.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * How the server stops on SIGTERM or SIGINT (issue 12): it stops taking requests, brings every repository on
 * disk up to date with its commit log and exits, within a bound (a benchmark saw the old server still running
 * 10 s after SIGTERM, waiting for a repack). Past the bound, or at a second signal, it exits at once: no
 * acknowledged write is lost either way, the commit log has them and the next start applies them.
 *
 * <p>Why {@code sun.misc.Signal} and not a shutdown hook: once the JVM runs its hooks it ignores further
 * signals, so a second SIGTERM could not cut a slow stop short.
 */
final class Stopping {
    private Stopping() {
    }

    static void install(AutoCloseable server, Duration bound) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable onSignal = () -> {
            if (!stopping.compareAndSet(false, true)) {
                System.err.println("davit: second signal: stopping now (the commit log keeps every acknowledged write)");
                Runtime.getRuntime().halt(1);
            }
            Thread stop = new Thread(() -> {
                int code = 0;
                try {
                    System.err.println("davit: stopping (bringing the repositories on disk up to date, at most " + bound.toSeconds() + " s)");
                    server.close();
                    System.err.println("davit: stopped");
                } catch (Exception e) {
                    System.err.println("davit: stopping failed: " + e);
                    code = 1;
                }
                System.err.flush();
                Runtime.getRuntime().halt(code);
            }, "davit-stop");
            Thread bounded = new Thread(() -> {
                try {
                    stop.join(bound.toMillis()); // the bound itself is the point here: a stop may not take longer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                System.err.println("davit: not stopped within " + bound.toSeconds()
                        + " s (shutdown.timeout.seconds): stopping now; the commit log keeps every acknowledged write");
                Runtime.getRuntime().halt(1);
            }, "davit-stop-bound");
            bounded.setDaemon(true);
            // Threads inherit daemon status from their creator, and the signal's thread is a daemon: the JVM would
            // exit in the middle of the stop as soon as Jetty's threads end.
            stop.setDaemon(false);
            stop.start();
            bounded.start();
        };
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> onSignal.run());
        }
    }
}
