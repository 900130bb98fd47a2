package dev.davit.storage.objects;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waits that an interrupt does not cut short. */
public final class Latches {
    private Latches() {
    }

    /** A wait an interrupt can cut short. */
    @FunctionalInterface
    public interface Wait {
        void await() throws InterruptedException;
    }

    /**
     * Waits for {@code latch} through interrupts, then sets the thread's interrupt flag again if one came: for a
     * wait whose other side always ends (a reader that stops, a batch that answers its writes), where leaving early
     * would hand on what the other side still uses or drop an outcome that is already decided.
     */
    public static void awaitUninterruptibly(CountDownLatch latch) {
        awaitUninterruptibly(latch::await);
    }

    /** As {@link #awaitUninterruptibly(CountDownLatch)}, for any wait (a task's end: {@link #awaitEnd}). */
    public static void awaitUninterruptibly(Wait wait) {
        boolean interrupted = false;
        while (true) {
            try {
                wait.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits through interrupts until {@code task} has ended, however it ended (its outcome is not asked here). */
    public static void awaitEnd(Future<?> task) {
        awaitUninterruptibly(() -> {
            try {
                task.get();
            } catch (ExecutionException e) {
                // ended: that is all this wait is for
            }
        });
    }
}
