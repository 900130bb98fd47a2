package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.LockStoreContract.MutableClock;
import dev.davit.testutil.TestServer;

/**
 * bench/auth_attack.py's guessers on the real server (port 0, sockets, java.net.http for the user): more
 * guessing connections than Jetty has request threads, each waiting for its 429 while its address and name
 * are limited, hold no thread; a user with a good session is answered meanwhile (issue 14).
 */
class GuessingConnectionsHeldWithoutThreadsTest {
    private static final String PATH = "dav/demo/sample/README.md";

    @Test
    void twoHundredFiftyGuessersWaitingFor429LeaveTheThreadsToAGoodSession(@TempDir Path tmp) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (TestServer s = TestServer.start(tmp, Map.of("auth.failures.free", "0", "auth.refusal.hold.max.seconds", "20",
                "server.connections.per.address", "0"), clock)) {
            assertThat(get(s, "demo", "demo").statusCode()).isEqualTo(200);
            // Failures until the address and name wait 32 s: each guess below is held the whole 20 s.
            for (int wait = 1, i = 0; ; wait *= 2, i++) {
                HttpResponse<String> r = get(s, "demo", "guess" + i);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
                if (wait >= 32) {
                    break;
                }
                clock.advance(Duration.ofSeconds(wait));
            }
            List<Socket> guessers = new ArrayList<>();
            try {
                for (int i = 0; i < 250; i++) {
                    Socket g = new Socket("127.0.0.1", s.server.port());
                    guessers.add(g);
                    OutputStream out = g.getOutputStream();
                    out.write(("GET /" + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                            + TestServer.basic("demo", "guess-" + i) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                HeldRefusalsTakeNoThreadTest.await("250 refusals held, as /metrics says", () -> metrics(s)
                        .contains("\ndavit_auth_refusals_held 250\n"));
                assertThat(s.server.threads().getBusyThreads()).as("request threads busy").isLessThan(20);
                HttpResponse<String> good = get(s, "demo", "demo");
                assertThat(good.statusCode()).as("the good session meanwhile: %s", good.body()).isEqualTo(200);
                for (Socket g : guessers) {
                    assertThat(g.getInputStream().available()).as("a guess answered before its hold ended").isZero();
                }
            } finally {
                for (Socket g : guessers) {
                    g.close();
                }
            }
        }
    }

    private static HttpResponse<String> get(TestServer s, String user, String password) throws Exception {
        return s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + PATH))
                .header("Authorization", TestServer.basic(user, password)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String metrics(TestServer s) {
        try {
            return s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
