package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/**
 * What GitHub CLIs and libraries call for a host other than github.com: the API under {@code /api/v3}
 * (GitHub Enterprise's layout), {@code GET /user} to check who they are, {@code GET /rate_limit}.
 */
class GitHubEnterpriseLayoutTest {
    @TempDir
    Path tmp;
    TestServer s;
    Api api;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp, Map.of("anonymous.access", "demo/sample:r"));
        api = new Api(s);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private String v3(String suffix) {
        return s.server.baseUrl() + "api/v3" + suffix;
    }

    @Test
    void theV3PrefixServesTheSameApi() throws Exception {
        HttpResponse<String> plain = api.get("/contents/README.md");
        HttpResponse<String> v3 = api.sendTo("GET", v3("/repos/demo/sample/contents/README.md"), null);
        assertThat(v3.statusCode()).as(v3.body()).isEqualTo(200);
        assertThat(Api.json(v3).get("sha").asText()).isEqualTo(Api.json(plain).get("sha").asText());
        String sha = Api.json(v3).get("sha").asText();
        String body = Api.MAPPER.createObjectNode().put("message", "via v3").put("content", Api.b64("v3\n")).put("sha", sha).toString();
        HttpResponse<String> put = api.sendTo("PUT", v3("/repos/demo/sample/contents/README.md"), body);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(s.commitMessages().get(0)).isEqualTo("via v3");
        assertThat(api.sendTo("GET", v3("/repos/demo/nope"), null).statusCode()).isEqualTo(404);
    }

    @Test
    void userIsTheAuthenticatedUser() throws Exception {
        for (String url : new String[] {s.server.baseUrl() + "api/user", v3("/user")}) {
            HttpResponse<String> r = api.sendTo("GET", url, null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode j = Api.json(r);
            assertThat(j.get("login").asText()).isEqualTo("demo");
            assertThat(j.get("type").asText()).isEqualTo("User");
            assertThat(j.get("id").isIntegralNumber()).isTrue();
            assertThat(j.get("site_admin").asBoolean()).isFalse();
        }
        // anonymous reading is on here, but /user needs someone to be: 401, as on GitHub
        HttpResponse<String> anon = Api.withAuthorization(s, null).sendTo("GET", v3("/user"), null);
        assertThat(anon.statusCode()).as(anon.body()).isEqualTo(401);
    }

    @Test
    void rateLimitHasGitHubsShape() throws Exception {
        HttpResponse<String> r = api.sendTo("GET", v3("/rate_limit"), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        for (JsonNode w : new JsonNode[] {j.get("rate"), j.get("resources").get("core"), j.get("resources").get("search")}) {
            assertThat(w.get("limit").asLong()).isPositive();
            assertThat(w.get("remaining").asLong()).isEqualTo(w.get("limit").asLong());
            assertThat(w.get("reset").asLong()).isPositive();
        }
    }

    @Test
    void inProcessV3User() throws Exception {
        String raw = "GET /api/v3/user HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("demo", "demo")
                + "\r\nConnection: close\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(200);
        assertThat(Api.MAPPER.readTree(r.getContent()).get("login").asText()).isEqualTo("demo");
    }
}
