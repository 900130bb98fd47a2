package dev.davit.storage.objects;

import java.util.concurrent.CountDownLatch;

/** Waits that an interrupt does not cut short. */
public final class Latches {
    private Latches() {
    }

    /**
     * Waits for {@code latch} through interrupts, then sets the thread's interrupt flag again if one came: for a
     * wait whose other side always ends (a reader that stops, a batch that answers its writes), where leaving early
     * would hand on what the other side still uses or drop an outcome that is already decided.
     */
    public static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
