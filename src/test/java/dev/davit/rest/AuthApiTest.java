package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** The same users and rights as WebDAV: 401 without credentials, 404 without read, 403 without write. */
class AuthApiTest {
    @TempDir
    Path tmp;
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.stranger.password", "stranger", "user.stranger.access", "other/*:rw"));
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    @Test
    void noCredentialsIs401() throws Exception {
        HttpResponse<String> r = new Api(s, "demo", "wrong").get("/contents/README.md");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        assertThat(r.headers().firstValue("X-Revision")).isEmpty();
        // GitHub's error shape, as for every other REST error.
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(Api.json(r).path("message").asText()).isEqualTo("Requires authentication");
    }

    @Test
    void aRepositoryYouMayNotReadDoesNotExist() throws Exception {
        Api stranger = new Api(s, "stranger", "stranger");
        HttpResponse<String> r = stranger.get("/contents/README.md");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(Api.json(r).get("message").asText()).isEqualTo("Not Found");
        assertThat(r.headers().firstValue("X-Revision")).isEmpty();
        HttpResponse<String> w = stranger.putFile("x.txt", "x", null);
        assertThat(w.statusCode()).as(w.body()).isEqualTo(404);
    }

    @Test
    void readOnlyUsersReadButWritesAre403() throws Exception {
        Api reader = new Api(s, "reader", "reader");
        assertThat(reader.get("/contents/README.md").statusCode()).isEqualTo(200);
        int commits = s.commitCount();
        HttpResponse<String> put = reader.putFile("x.txt", "x", null);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(403);
        assertThat(Api.json(put).get("message").asText()).contains("may read but not write");
        assertThat(put.headers().firstValue("X-Revision")).hasValue(s.head());
        String sha = reader.sha("README.md");
        HttpResponse<String> del = reader.send("DELETE", "/contents/README.md", "{\"message\":\"m\",\"sha\":\"" + sha + "\"}");
        assertThat(del.statusCode()).as(del.body()).isEqualTo(403);
        HttpResponse<String> batch = reader.send("POST", "/contents", "{\"files\":[]}");
        assertThat(batch.statusCode()).as(batch.body()).isEqualTo(403);
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void outsideRepositoriesIs404Json() throws Exception {
        HttpResponse<String> r = new Api(s).sendTo("GET", s.server.baseUrl() + "api/users/demo/gists", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(Api.json(r).get("message").asText()).isEqualTo("Not Found");
    }
}
