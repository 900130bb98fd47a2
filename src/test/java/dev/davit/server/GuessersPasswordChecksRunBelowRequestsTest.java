package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.auth.PasswordHash;
import dev.davit.testutil.TestServer;

/**
 * On the real server (port 0, java.net.http): a wrong password's PBKDF2 check runs on a password-check
 * thread at nice 10, below the request threads, so guessers' checks take only the cores users leave (issue
 * 14: with them at the requests' priority a user's p99 was 3.7-8x its p99 without the attack).
 */
class GuessersPasswordChecksRunBelowRequestsTest {
    @Test
    void aWrongPasswordIsCheckedAtNiceTenAndAnswered401(@TempDir Path tmp) throws Exception {
        assumeThat(Path.of("/proc/self/task")).as("Linux").exists();
        try (TestServer s = TestServer.start(tmp, Map.of("user.demo.password", PasswordHash.hash(TestServer.PASSWORD)))) {
            HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "dav/demo/sample/README.md"))
                    .header("Authorization", TestServer.basic("demo", "wrong")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            List<String> checkThreads = threadsNamed("davit-password-");
            assertThat(checkThreads).as("the check's thread, with its nice value").isNotEmpty()
                    .allSatisfy(stat -> assertThat(nice(stat)).isEqualTo(10));
            HttpResponse<String> good = s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "dav/demo/sample/README.md"))
                    .header("Authorization", TestServer.basic("demo", TestServer.PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(good.statusCode()).as("the right password, checked there too: %s", good.body()).isEqualTo(200);
        }
    }

    /** /proc/self/task/N/stat of this JVM's threads whose name (15 characters at most) starts so. */
    private static List<String> threadsNamed(String prefix) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).startsWith(prefix);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            }).map(t -> {
                try {
                    return Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    private static int nice(String stat) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }
}
