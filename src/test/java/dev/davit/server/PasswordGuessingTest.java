package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.LockStoreContract.MutableClock;
import dev.davit.testutil.RawHttp;
import dev.davit.testutil.TestServer;

/**
 * Password guessing on the real server (issue 14): after {@code auth.failures.free} wrong passwords from
 * an address, every front end answers 429 with Retry-After (REST in GitHub's JSON error shape) without
 * checking; a user with a good session goes on working; malformed credentials are 401 (or 431), never 500.
 */
class PasswordGuessingTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeAll
    static void start() throws Exception {
        // Refusals answered at once: these tests are about statuses and headers; holding them until the wait is
        // over (the default) is HeldRefusalsTakeNoThreadTest's.
        s = TestServer.start(tmp, Map.of("auth.failures.free", "2", "auth.refusal.hold.max.seconds", "0"), clock);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @BeforeEach
    void forgetEarlierFailures() {
        clock.advance(Duration.ofHours(1));
    }

    static String target(String frontEnd) {
        return switch (frontEnd) {
            case "dav" -> "dav/demo/sample/README.md";
            case "api" -> "api/repos/demo/sample/contents/README.md";
            case "git" -> "git/demo/sample.git/info/refs?service=git-upload-pack";
            case "ui" -> "ui/demo/sample/";
            default -> throw new IllegalArgumentException(frontEnd);
        };
    }

    HttpResponse<String> get(String frontEnd, String authorization) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + target(frontEnd)))
                .header("Authorization", authorization).timeout(Duration.ofSeconds(30)).build();
        return s.http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dav", "api", "git", "ui"})
    void guessesGet429WithRetryAfterWhileAGoodSessionGoesOn(String frontEnd) throws Exception {
        HttpResponse<String> session = get(frontEnd, TestServer.basic("demo", "demo"));
        assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get(frontEnd, TestServer.basic("demo", "guess" + i));
            assertThat(r.statusCode()).as("guess %d: %s", i, r.body()).isEqualTo(401);
        }
        HttpResponse<String> limited = get(frontEnd, TestServer.basic("demo", "guess3"));
        assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("1");
        assertThat(limited.headers().firstValue("WWW-Authenticate")).isEmpty();
        if (frontEnd.equals("api")) {
            JsonNode body = new ObjectMapper().readTree(limited.body());
            assertThat(body.path("message").asText()).as(limited.body()).contains("Too many failed authentication attempts");
            assertThat(body.path("documentation_url").asText()).startsWith("https://docs.github.com/");
            assertThat(body.path("status").asText()).isEqualTo("429");
        }
        HttpResponse<String> other = get(frontEnd, TestServer.basic("reader", "reader"));
        assertThat(other.statusCode()).as("the address waits, whatever the name: %s", other.body()).isEqualTo(429);
        HttpResponse<String> again = get(frontEnd, TestServer.basic("demo", "demo"));
        assertThat(again.statusCode()).as("the good session is not limited: %s", again.body()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> next = get(frontEnd, TestServer.basic("demo", "guess4"));
        assertThat(next.statusCode()).as("checked again after the wait: %s", next.body()).isEqualTo(401);
        HttpResponse<String> longer = get(frontEnd, TestServer.basic("demo", "guess5"));
        assertThat(longer.statusCode()).isEqualTo(429);
        assertThat(longer.headers().firstValue("Retry-After")).as("the wait doubles").contains("2");
    }

    /**
     * A password's Base64 is 4/3 of its bytes, so with limits.header.bytes at 16 KiB (the whole header section)
     * a password of up to about 12,000 bytes (issue 14: a 10 KB one) reaches the server and gets its 401; a longer one is refused by
     * Jetty's parser before any code of ours reads it: 431 (RFC 6585 §5), like any header section past the limit.
     */
    @Test
    void malformedCredentialsAre401Or431NeverA500() throws Exception {
        String b64 = "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8));
        for (String h : List.of("Basic !!!not-base64", b64, TestServer.basic("de\u0000mo", "demo"),
                TestServer.basic("demo", "p".repeat(5_000)), TestServer.basic("demo", "p".repeat(10_000)), "Basic", "Token abc")) {
            clock.advance(Duration.ofHours(1));
            RawHttp.Response r = RawHttp.sendAs(s.server.port(), "GET", "/dav/demo/sample/README.md", null, "Authorization", h);
            assertThat(r.status()).as(h.length() > 40 ? h.substring(0, 40) : h).isEqualTo(401);
        }
        RawHttp.Response huge = RawHttp.sendAs(s.server.port(), "GET", "/dav/demo/sample/README.md", null,
                "Authorization", TestServer.basic("demo", "p".repeat(20_000)));
        assertThat(huge.status()).as("past limits.header.bytes").isEqualTo(431);
    }

    @Test
    void aTenKilobytePasswordIs401WhenTheHeaderLimitAllowsIt(@TempDir Path dir) throws Exception {
        try (TestServer big = TestServer.start(dir, Map.of("limits.header.bytes", "16384"))) {
            RawHttp.Response r = RawHttp.sendAs(big.server.port(), "GET", "/dav/demo/sample/README.md", null,
                    "Authorization", TestServer.basic("demo", "p".repeat(10_000)));
            assertThat(r.status()).as(r.body()).isEqualTo(401);
            assertThat(r.header("WWW-Authenticate")).contains(AuthenticationFilter.CHALLENGE);
        }
    }
}
