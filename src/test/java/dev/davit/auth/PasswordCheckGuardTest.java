package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.davit.lock.LockStoreContract.MutableClock;

/**
 * UserStore under hostile load (issue 14): failures lead to 429 without a check, for unknown names as for
 * known ones; password checks take bounded turns; cached good credentials pass whatever happens; an
 * unknown name costs what a known one costs.
 */
class PasswordCheckGuardTest {
    /** Few iterations: the point is that both paths pay the same, not how much. */
    static final int ITERATIONS = 20_000;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final FailedLoginLimiter limiter = new FailedLoginLimiter(
            new FailedLoginLimiter.Settings(2, Duration.ofSeconds(1), Duration.ofSeconds(60)), clock);
    final PasswordChecks checks = new PasswordChecks(1, 0);
    final List<UserAccount> accounts = List.of(
            new UserAccount("alice", PasswordHash.hash("right", ITERATIONS), "a@localhost", List.of(new UserAccount.Grant("*", Access.WRITE))),
            new UserAccount("bob", "plain", "b@localhost", List.of()));
    final UserStore users = new UserStore(accounts, List.of(), limiter, checks, clock);

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void afterTheFreeFailuresAnAddressGets429WithRetryAfterAndNoCheck() {
        assertThat(users.authenticate(basic("alice", "a"), "10.0.0.1").outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
        assertThat(users.authenticate(basic("alice", "b"), "10.0.0.1").outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
        assertThat(users.authenticate(basic("alice", "c"), "10.0.0.1").outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
        AuthResult limited = users.authenticate(basic("alice", "right"), "10.0.0.1");
        assertThat(limited.outcome()).as("even the right password waits: a guess could be right").isEqualTo(AuthResult.Outcome.LIMITED);
        assertThat(limited.retryAfterSeconds()).isEqualTo(1);
        assertThat(users.authenticate(basic("bob", "plain"), "10.0.0.1").outcome()).as("the address waits for any name")
                .isEqualTo(AuthResult.Outcome.LIMITED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(users.authenticate(basic("alice", "right"), "10.0.0.1").outcome()).isEqualTo(AuthResult.Outcome.AUTHENTICATED);
    }

    @Test
    void anUnknownNameIsLimitedLikeAKnownOne() {
        for (String name : List.of("alice", "nobody")) {
            List<AuthResult.Outcome> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                seen.add(users.authenticate(basic(name, "guess" + i), "10.0.1." + i).outcome()); // a new address each time
            }
            assertThat(seen).as(name).containsExactly(AuthResult.Outcome.REJECTED, AuthResult.Outcome.REJECTED,
                    AuthResult.Outcome.REJECTED, AuthResult.Outcome.LIMITED);
        }
    }

    @Test
    void cachedGoodCredentialsPassWhileTheNameIsLimitedAndNoTurnIsFree() {
        assertThat(users.authenticate(basic("alice", "right"), "10.0.0.1").outcome()).isEqualTo(AuthResult.Outcome.AUTHENTICATED);
        for (int i = 0; i < 5; i++) {
            users.authenticate(basic("alice", "guess" + i), "10.0.2." + i);
        }
        assertThat(users.authenticate(basic("alice", "guess"), "10.0.3.1").outcome()).isEqualTo(AuthResult.Outcome.LIMITED);
        Optional<PasswordChecks.Turn> held = checks.enter(); // the only turn, as a long check would hold it
        assertThat(held).isPresent();
        try {
            assertThat(users.authenticate(basic("alice", "right"), "10.0.0.1").outcome())
                    .as("a cached session neither waits for the limit nor for a turn").isEqualTo(AuthResult.Outcome.AUTHENTICATED);
            AuthResult busy = users.authenticate(basic("nobody", "x"), "10.0.4.1");
            assertThat(busy.outcome()).as("no turn free: not checked at all").isEqualTo(AuthResult.Outcome.BUSY);
            assertThat(busy.retryAfterSeconds()).isEqualTo(1);
            assertThat(users.authenticate(basic("bob", "plain"), "10.0.4.1").outcome())
                    .as("plain-text passwords need no turn").isEqualTo(AuthResult.Outcome.AUTHENTICATED);
        } finally {
            held.get().close();
        }
        assertThat(users.authenticate(basic("nobody", "x"), "10.0.4.1").outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
    }

    @Test
    void turnsAreBoundedAndGivenBack() {
        PasswordChecks two = new PasswordChecks(1, 1);
        Optional<PasswordChecks.Turn> first = two.enter();
        assertThat(first).isPresent();
        // A second would wait for the first (one running, one waiting); a third is refused at once.
        Thread waiter = new Thread(() -> two.enter().ifPresent(PasswordChecks.Turn::close));
        waiter.start();
        // wait on the condition (the waiter admitted), never on time
        while (waiter.getState() != Thread.State.WAITING && waiter.isAlive()) {
            Thread.onSpinWait();
        }
        assertThat(two.enter()).isEmpty();
        first.get().close();
        try {
            waiter.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Optional<PasswordChecks.Turn> again = two.enter();
        assertThat(again).as("all turns given back").isPresent();
        again.get().close();
    }

    @Test
    void malformedHeadersAreRejectedNeverAnError() {
        for (String h : List.of("Basic !!!not-base64", "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes()),
                basic("ali\u0000ce", "right"), basic("alice", "p".repeat(10_000)), "Basic", "Basic ", "Token abc")) {
            assertThat(users.authenticate(h, "10.0.5.1").outcome()).as(h.length() > 60 ? h.substring(0, 60) : h)
                    .isIn(AuthResult.Outcome.REJECTED, AuthResult.Outcome.LIMITED);
        }
    }

    /**
     * Before issue 14 a 401 for alice took one PBKDF2 check and one for an unknown name none (263 ms vs
     * 1.9 ms). Medians of interleaved samples, compared with each other only: no absolute time is asserted.
     */
    @Test
    void anUnknownNameCostsWhatAKnownOneCosts() {
        UserStore store = new UserStore(accounts, List.of(), new FailedLoginLimiter(
                new FailedLoginLimiter.Settings(1_000_000, Duration.ofSeconds(1), Duration.ofSeconds(1)), clock),
                new PasswordChecks(1, 0), clock);
        for (int i = 0; i < 5; i++) { // warm up both paths
            store.authenticate(basic("alice", "w" + i), null);
            store.authenticate(basic("nobody" + i, "w"), null);
        }
        int n = 31;
        long[] known = new long[n];
        long[] unknown = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(store.authenticate(basic("alice", "wrong" + i), null).outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
            long t1 = System.nanoTime();
            assertThat(store.authenticate(basic("nobody" + i, "wrong"), null).outcome()).isEqualTo(AuthResult.Outcome.REJECTED);
            long t2 = System.nanoTime();
            known[i] = t1 - t0;
            unknown[i] = t2 - t1;
        }
        java.util.Arrays.sort(known);
        java.util.Arrays.sort(unknown);
        double ratio = (double) unknown[n / 2] / known[n / 2];
        assertThat(ratio).as("median unknown %d ns / known %d ns", unknown[n / 2], known[n / 2]).isBetween(0.6, 1.6);
    }
}
