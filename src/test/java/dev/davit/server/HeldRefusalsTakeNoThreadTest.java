package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.LockStoreContract.MutableClock;
import dev.davit.testutil.TestServer;

/**
 * Guessers who ignore Retry-After (issue 14, bench/auth_attack.py): a 429 is held until the client may come
 * back (at most {@code auth.refusal.hold.max.seconds}) with servlet async, so many refused guesses wait on
 * their connections without a request thread each, and are then answered 429 with Retry-After and counted.
 * In process (Jetty's LocalConnector, the whole filter chain).
 */
class HeldRefusalsTakeNoThreadTest {
    private static final String GET = "GET /dav/demo/sample/README.md HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\n\r\n";

    private static String guess(String user, int i) {
        return GET.formatted(TestServer.basic(user, "guess" + i));
    }

    /**
     * Waits for a condition, never for a time: checks it again each time this thread gets its turn (yielding the
     * core to the server's threads meanwhile); fails when it has not come after a minute.
     */
    static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as("still waiting for: %s", what).isNegative();
            Thread.yield();
        }
    }

    /** Drives the name's failures until its wait is at least {@code seconds} (failures: 1 s, doubled each). */
    static void failUntilWaitAtLeast(TestServer s, MutableClock clock, String user, int seconds) throws Exception {
        for (int wait = 1, i = 0; ; wait *= 2, i++) {
            HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(guess(user, i)));
            assertThat(r.getStatus()).as(r.getContent()).isEqualTo(401);
            if (wait >= seconds) {
                return;
            }
            clock.advance(Duration.ofSeconds(wait));
        }
    }

    @Test
    void twoHundredFiftyHeldGuessesTakeNoRequestThreadAndAGoodSessionGoesOn(@TempDir Path tmp) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (TestServer s = TestServer.start(tmp, Map.of("auth.failures.free", "0", "auth.refusal.hold.max.seconds", "20"),
                clock)) {
            LocalConnector local = s.server.localConnector();
            HttpTester.Response session = HttpTester.parseResponse(local.getResponse(GET.formatted(TestServer.basic("demo", "demo"))));
            assertThat(session.getStatus()).as(session.getContent()).isEqualTo(200);
            // The wait is longer than the hold, so the refusals below are held the whole 20 s.
            failUntilWaitAtLeast(s, clock, "demo", 32);

            // More guesses than Jetty has request threads (200): held on threads, they would leave none.
            List<LocalConnector.LocalEndPoint> guesses = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                guesses.add(local.executeRequest(guess("demo", 100 + i)));
            }
            await("250 refusals held", () -> s.server.metrics().refusalsHeld() == 250);
            assertThat(s.server.threads().getBusyThreads()).as("request threads busy while 250 refusals are held")
                    .isLessThan(20);
            HttpTester.Response good = HttpTester.parseResponse(local.getResponse(GET.formatted(TestServer.basic("demo", "demo")),
                    30, TimeUnit.SECONDS));
            assertThat(good.getStatus()).as("the good session meanwhile: %s", good.getContent()).isEqualTo(200);
            assertThat(guesses).as("no guess answered before its wait is over (or the hold)")
                    .allSatisfy(e -> assertThat(e.getResponseData()).satisfiesAnyOf(
                            b -> assertThat(b).isNull(), b -> assertThat(b.hasRemaining()).isFalse()));
            guesses.forEach(LocalConnector.LocalEndPoint::close);
        }
    }

    @Test
    void aHeldRefusalIsAnswered429WithRetryAfterAndCounted(@TempDir Path tmp) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (TestServer s = TestServer.start(tmp, Map.of("auth.failures.free", "0", "auth.refusal.hold.max.seconds", "20"),
                clock)) {
            LocalConnector local = s.server.localConnector();
            failUntilWaitAtLeast(s, clock, "demo", 1);
            LocalConnector.LocalEndPoint held = local.executeRequest(guess("demo", 1));
            await("the refusal held", () -> s.server.metrics().refusalsHeld() == 1);
            // Answered when the 1 s wait is over (the hold), by the container's async timeout.
            HttpTester.Response r = HttpTester.parseResponse(held.getResponse(false, 1, TimeUnit.MINUTES));
            assertThat(r.getStatus()).as(r.getContent()).isEqualTo(429);
            assertThat(r.get("Retry-After")).isEqualTo("1");
            assertThat(r.get("WWW-Authenticate")).isNull();
            assertThat(r.getContent()).contains("Too many failed authentication attempts");
            await("no refusal held", () -> s.server.metrics().refusalsHeld() == 0);
            assertThat(s.server.metrics().render()).contains("davit_requests_total{frontend=\"dav\",method=\"GET\",status=\"429\"} 1");
        }
    }
}
