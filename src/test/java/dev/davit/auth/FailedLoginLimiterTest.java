package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.davit.lock.LockStoreContract.MutableClock;

/** Failures per address and per name: free ones, then a doubling wait, forgotten after a quiet time. */
class FailedLoginLimiterTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final FailedLoginLimiter limiter = new FailedLoginLimiter(
            new FailedLoginLimiter.Settings(3, Duration.ofSeconds(1), Duration.ofSeconds(60)), clock);

    @Test
    void freeFailuresThenAWaitThatDoublesUpToTheMaximum() {
        for (int i = 0; i < 3; i++) {
            limiter.failed("10.0.0.1", "alice");
            assertThat(limiter.waitFor("10.0.0.1", "alice")).as("free failure %d", i + 1).isZero();
        }
        long[] expected = {1, 2, 4, 8, 16, 32, 60, 60};
        for (long seconds : expected) {
            limiter.failed("10.0.0.1", "alice");
            assertThat(limiter.waitFor("10.0.0.1", "alice")).isEqualTo(Duration.ofSeconds(seconds));
            clock.advance(Duration.ofSeconds(seconds));
            assertThat(limiter.waitFor("10.0.0.1", "alice")).as("the wait is over after %d s", seconds).isZero();
        }
    }

    @Test
    void theAddressAndTheNameAreLimitedEachOnTheirOwn() {
        // One address trying many names...
        for (int i = 0; i < 4; i++) {
            limiter.failed("10.0.0.1", "user" + i);
        }
        assertThat(limiter.waitFor("10.0.0.1", "someone-else")).isEqualTo(Duration.ofSeconds(1));
        assertThat(limiter.waitFor("10.0.0.2", "user0")).as("another address, a name with one failure").isZero();
        // ...and many addresses trying one name.
        for (int i = 0; i < 4; i++) {
            limiter.failed("10.1.0." + i, "bob");
        }
        assertThat(limiter.waitFor("10.9.9.9", "bob")).isEqualTo(Duration.ofSeconds(1));
        assertThat(limiter.waitFor("10.9.9.9", "carol")).isZero();
        assertThat(limiter.waitFor(null, "carol")).isZero();
    }

    @Test
    void aGoodCheckForgetsTheNameButNotTheAddress() {
        for (int i = 0; i < 4; i++) {
            limiter.failed("10.0.0.1", "alice");
        }
        clock.advance(Duration.ofSeconds(1));
        limiter.succeeded("alice");
        limiter.failed("10.0.0.2", "alice");
        assertThat(limiter.waitFor("10.0.0.2", "alice")).as("the name starts again").isZero();
        limiter.failed("10.0.0.1", "mallory");
        assertThat(limiter.waitFor("10.0.0.1", "mallory")).as("the address goes on doubling").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aQuietKeyIsForgotten() {
        for (int i = 0; i < 10; i++) {
            limiter.failed("10.0.0.1", "alice");
        }
        assertThat(limiter.waitFor("10.0.0.1", "alice")).isEqualTo(Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(120));
        limiter.failed("10.0.0.1", "alice");
        assertThat(limiter.waitFor("10.0.0.1", "alice")).as("counted from one again").isZero();
    }

    @Test
    void aHugeNameIsCountedByItsStart() {
        String huge = "x".repeat(10_000);
        for (int i = 0; i < 4; i++) {
            limiter.failed(null, huge + i);
        }
        assertThat(limiter.waitFor(null, huge)).isEqualTo(Duration.ofSeconds(1));
    }
}
