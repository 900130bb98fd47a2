package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.davit.testutil.Git;
import dev.davit.testutil.RawHttp;
import dev.davit.testutil.TestServer;

/**
 * Hostile paths, sent byte for byte over a socket: traversal and ambiguous encodings are 400, names
 * git or Davit keep to themselves are 403, and a refusal changes nothing.
 */
class PathSafetyTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static void assertRefused(String method, String rawPath, int status) throws Exception {
        int before = s.commitCount();
        String tree = Git.id(s, "");
        byte[] body = method.equals("PUT") ? "pwned".getBytes(StandardCharsets.UTF_8) : null;
        RawHttp.Response r = RawHttp.send(s, method, rawPath, body);
        assertThat(r.status()).as(method + " " + rawPath + " -> " + r.body()).isEqualTo(status);
        assertThat(s.commitCount()).as("commits after " + method + " " + rawPath).isEqualTo(before);
        assertThat(Git.id(s, "")).isEqualTo(tree);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/dav/demo/sample/../x.txt",
        "/dav/demo/sample/docs/../../sample/x.txt",
        "/dav/demo/sample/docs/..",
        "/dav/demo/sample/%2e%2e/x.txt",
        "/dav/demo/sample/docs/%2E%2E/x.txt",
        "/dav/demo/sample/a%2Fb.txt",
        "/dav/demo/sample/docs%2f..%2fx.txt",
        "/dav/demo/sample/a%5Cb.txt",
        "/dav/demo/sample/..%5Cx.txt",
        "/dav/demo/sample/a%00b.txt",
        "/dav/demo/sample/%C0%AE%C0%AE/x.txt",
        "/dav/demo/sample/a%C0%AEb.txt",
    })
    void malformedPathsAre400(String raw) throws Exception {
        assertRefused("PUT", raw, 400);
        assertRefused("GET", raw, 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/dav/demo/sample/.git",
        "/dav/demo/sample/.git/config",
        "/dav/demo/sample/.GIT/hooks/pre-commit",
        "/dav/demo/sample/docs/.Git/x",
        "/dav/demo/sample/git~1/config",
        "/dav/demo/sample/GIT~1/config",
        "/dav/demo/sample/.git./config",
        "/dav/demo/sample/.git%20/config",
        "/dav/demo/sample/.davitkeep",
        "/dav/demo/sample/docs/.davitkeep",
        "/dav/demo/sample/docs/.DavitKeep",
        "/dav/demo/sample/.davitprops",
        "/dav/demo/sample/docs/.davitprops.welcome.txt",
    })
    void reservedNamesAre403(String raw) throws Exception {
        assertRefused("PUT", raw, 403);
        assertRefused("GET", raw, 403);
        assertRefused("DELETE", raw, 403);
        assertRefused("MKCOL", raw, 403);
    }

    @ParameterizedTest
    @CsvSource({
        "/dav/demo/sample/.git/x, 403",
        "/dav/demo/sample/docs/.davitkeep, 403",
        "/dav/demo/sample/../x.txt, 400",
        "/dav/demo/sample/a%5Cb.txt, 400",
        "/dav/demo/sample/.GIT/x, 403",
        "/dav/demo/sample/git~1, 403",
        "/dav/demo/sample/.davitprops, 403",
        "/dav/demo/sample/%2e%2e/x.txt, 400",
        "/dav/demo/sample/a%2Fb.txt, 400",
        "/dav/demo/sample/a%00b.txt, 400",
        "/dav/demo/sample/%C0%AE%C0%AE/x.txt, 400",
    })
    void aHostileDestinationIsRefusedAndChangesNothing(String dest, int status) throws Exception {
        int before = s.commitCount();
        RawHttp.Response r = RawHttp.send(s, "COPY", "/dav/demo/sample/README.md", null,
                "Destination", "http://127.0.0.1:" + s.server.port() + dest);
        assertThat(r.status()).as("COPY to " + dest + " -> " + r.body()).isEqualTo(status);
        RawHttp.Response m = RawHttp.send(s, "MOVE", "/dav/demo/sample/README.md", null, "Destination", dest);
        assertThat(m.status()).as("MOVE to " + dest + " -> " + m.body()).isEqualTo(status);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("README.md").statusCode()).isEqualTo(200);
    }
}
