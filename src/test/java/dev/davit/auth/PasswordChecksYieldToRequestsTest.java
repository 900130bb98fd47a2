package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.davit.os.LowPriorityThreads;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Password checks (PBKDF2, ~260 ms of a core each) run on threads at nice 10, so a guesser's checks get the
 * cores that users' requests leave (issue 14, bench/auth_attack.py); the request waits for the answer.
 */
class PasswordChecksYieldToRequestsTest {
    private final ExecutorService threads = Executors.newFixedThreadPool(1, new LowPriorityThreads("davit-password-check", 10));

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void aCheckRunsAtNiceTenOffTheRequestThreadAndItsAnswerComesBack() {
        assumeThat(Path.of("/proc/thread-self")).as("Linux").exists();
        int requestNice = LowPriorityThreads.niceOfThisThread();
        PasswordChecks checks = new PasswordChecks(1, 0, threads);
        Thread request = Thread.currentThread();
        int[] seen = new int[1];
        boolean answer;
        try (PasswordChecks.Turn t = checks.enter().orElseThrow()) {
            answer = t.run(() -> {
                seen[0] = LowPriorityThreads.niceOfThisThread();
                return Thread.currentThread() != request;
            });
        }
        assertThat(answer).as("run on the checks' own thread").isTrue();
        assertThat(seen[0]).as("the check's nice (the request thread's: %d)", requestNice).isEqualTo(10);
        assertThat(LowPriorityThreads.niceOfThisThread()).as("the request thread keeps its priority").isEqualTo(requestNice);
    }

    @Test
    void aFailingCheckFailsItsRequest() {
        PasswordChecks checks = new PasswordChecks(1, 0, threads);
        try (PasswordChecks.Turn t = checks.enter().orElseThrow()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.run(() -> {
                throw new IllegalArgumentException("bad hash");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad hash");
        }
    }
}
