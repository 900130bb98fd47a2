package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * How long a refusal is held before it is answered (issue 14): guessers that ignore Retry-After get their
 * next answer no sooner than they may come back, up to the hold's maximum; other outcomes are never held.
 */
class RefusalHoldTest {
    private static final Duration MAX = Duration.ofSeconds(5);

    @Test
    void aLimitedAttemptIsHeldUntilItsWaitIsOverAtMostTheMaximum() {
        assertThat(new AuthResult(AuthResult.Outcome.LIMITED, null, 1).holdFor(MAX)).isEqualTo(Duration.ofSeconds(1));
        assertThat(new AuthResult(AuthResult.Outcome.LIMITED, null, 4).holdFor(MAX)).isEqualTo(Duration.ofSeconds(4));
        assertThat(new AuthResult(AuthResult.Outcome.LIMITED, null, 900).holdFor(MAX)).isEqualTo(MAX);
        assertThat(new AuthResult(AuthResult.Outcome.LIMITED, null, 900).holdFor(Duration.ZERO)).as("0: at once").isZero();
    }

    @Test
    void aBusyRefusalIsHeldItsRetryAfter() {
        assertThat(new AuthResult(AuthResult.Outcome.BUSY, null, 1).holdFor(MAX)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void answersThatAreNotRefusalsAreNeverHeld() {
        assertThat(AuthResult.REJECTED.holdFor(MAX)).isZero();
        assertThat(AuthResult.NONE.holdFor(MAX)).isZero();
        assertThat(AuthResult.authenticated(new Principal("demo", "")).holdFor(MAX)).isZero();
    }

    @Test
    void theRetryAfterOfAHeldRefusalIsTheWaitLeftAtLeastOneSecond() {
        AuthResult longWait = new AuthResult(AuthResult.Outcome.LIMITED, null, 900);
        assertThat(longWait.retryAfterAfter(longWait.holdFor(MAX))).isEqualTo(895);
        AuthResult shortWait = new AuthResult(AuthResult.Outcome.LIMITED, null, 1);
        assertThat(shortWait.retryAfterAfter(shortWait.holdFor(MAX))).isEqualTo(1);
        assertThat(longWait.retryAfterAfter(Duration.ZERO)).isEqualTo(900);
    }
}
