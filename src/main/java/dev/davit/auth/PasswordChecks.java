package dev.davit.auth;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounded concurrency for the expensive password checks (PBKDF2, ~260 ms of one core each): at most
 * {@code concurrent} run at once and at most {@code waiting} more wait for their turn; a check past that
 * is not started at all (the caller answers 503 with {@code Retry-After}). So guessers can hold at most
 * {@code concurrent + waiting} of Jetty's request threads, and never all the cores; requests whose
 * credentials are already cached never come here (issue 14). A check runs on {@code executor} (the server's:
 * {@code dev.davit.os.LowPriorityThreads}, so checks get the cores that requests leave) while its request waits. Thread-safe.
 */
public final class PasswordChecks {
    private final int concurrent;
    private final int admitted;
    private final Semaphore running;
    private final AtomicInteger inside = new AtomicInteger();
    private final Executor executor;

    /** Checks run on the requests' own threads. */
    public PasswordChecks(int concurrent, int waiting) {
        this(concurrent, waiting, Runnable::run);
    }

    /** @param executor runs the checks, at least {@code concurrent} at once */
    public PasswordChecks(int concurrent, int waiting, Executor executor) {
        if (concurrent < 1 || waiting < 0) {
            throw new IllegalArgumentException("concurrent >= 1, waiting >= 0");
        }
        this.concurrent = concurrent;
        this.admitted = concurrent + waiting;
        this.running = new Semaphore(concurrent, true);
        this.executor = executor;
    }

    /** A turn to run one check, to be closed after it; empty when as many as allowed run or wait already. */
    public Optional<Turn> enter() {
        if (inside.incrementAndGet() > admitted) {
            inside.decrementAndGet();
            return Optional.empty();
        }
        running.acquireUninterruptibly();
        return Optional.of(new Turn());
    }

    public int concurrent() {
        return concurrent;
    }

    /** One admitted check; closing it lets the next one run. */
    public final class Turn implements AutoCloseable {
        private boolean closed;

        private Turn() {
        }

        /** Runs the check on the checks' executor and waits for its answer. */
        public boolean run(java.util.function.BooleanSupplier check) {
            FutureTask<Boolean> task = new FutureTask<>(check::getAsBoolean);
            executor.execute(task);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return task.get();
                    } catch (InterruptedException e) {
                        interrupted = true; // the check runs to its end anyway; its answer is still wanted
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof RuntimeException r) {
                            throw r;
                        }
                        throw new IllegalStateException(e.getCause());
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                running.release();
                inside.decrementAndGet();
            }
        }
    }
}
