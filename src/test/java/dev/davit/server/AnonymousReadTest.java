package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** anonymous.access: reading without credentials where granted; anything else is challenged. */
class AnonymousReadTest {
    @TempDir
    Path tmp;

    private static HttpResponse<String> anonymous(TestServer s, String method, String url) throws Exception {
        return s.http.send(HttpRequest.newBuilder(URI.create(url))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("PUT") ? "x" : "")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readsOfAGrantedRepositoryNeedNoCredentialsAndWritesAreChallenged() throws Exception {
        try (TestServer s = TestServer.start(tmp, Map.of("anonymous.access", "demo/sample:r"))) {
            HttpResponse<String> get = anonymous(s, "GET", s.base() + "README.md");
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            HttpResponse<String> rest = anonymous(s, "GET", s.server.baseUrl() + "api/repos/demo/sample/contents/README.md");
            assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
            HttpResponse<String> propfind = anonymous(s, "PROPFIND", s.base());
            assertThat(propfind.statusCode()).as(propfind.body()).isEqualTo(207);

            int commits = s.commitCount();
            HttpResponse<String> put = anonymous(s, "PUT", s.base() + "anon.txt");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(401);
            assertThat(put.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
            assertThat(s.commitCount()).isEqualTo(commits);

            HttpResponse<String> other = anonymous(s, "GET", s.server.baseUrl() + "dav/demo/other/x");
            assertThat(other.statusCode()).as(other.body()).isEqualTo(401);

            // With credentials a user keeps their own rights.
            assertThat(s.put("anon.txt", "by demo").statusCode()).isEqualTo(201);
        }
    }

    @Test
    void withoutTheSettingEveryRequestNeedsCredentials() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            HttpResponse<String> get = anonymous(s, "GET", s.base() + "README.md");
            assertThat(get.statusCode()).as(get.body()).isEqualTo(401);
        }
    }
}
