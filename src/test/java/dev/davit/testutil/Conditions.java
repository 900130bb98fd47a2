package dev.davit.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Waiting on a condition, never on time: the deadline only bounds a broken run. */
public final class Conditions {
    private Conditions() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code deadlineNanos}. */
    public static void await(String what, long deadlineNanos, BooleanSupplier condition) {
        long end = System.nanoTime() + deadlineNanos;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as("waited for " + what).isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
