package dev.davit.auth;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounded concurrency for the expensive password checks (PBKDF2, ~260 ms of one core each): at most
 * {@code concurrent} run at once and at most {@code waiting} more wait for their turn; a check past that
 * is not started at all (the caller answers 503 with {@code Retry-After}). So guessers can hold at most
 * {@code concurrent + waiting} of Jetty's request threads, and never all the cores; requests whose
 * credentials are already cached never come here (issue 14). Thread-safe.
 */
public final class PasswordChecks {
    private final int concurrent;
    private final int admitted;
    private final Semaphore running;
    private final AtomicInteger inside = new AtomicInteger();

    public PasswordChecks(int concurrent, int waiting) {
        if (concurrent < 1 || waiting < 0) {
            throw new IllegalArgumentException("concurrent >= 1, waiting >= 0");
        }
        this.concurrent = concurrent;
        this.admitted = concurrent + waiting;
        this.running = new Semaphore(concurrent, true);
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
