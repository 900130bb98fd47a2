package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/**
 * {@code limits.repository.bytes} holds for REST writes as for WebDAV ones (issue 13): a write past it is 507
 * in GitHub's error shape and commits nothing. The sample holds README.md (9 bytes) and docs/welcome.txt (8).
 */
class RepositorySizeLimitApiTest {
    @TempDir
    Path tmp;
    TestServer s;
    Api api;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.repository.bytes", "100"));
        api = new Api(s);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private void assertQuota507(HttpResponse<String> r, int commitsBefore, String head) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(507);
        JsonNode j = Api.json(r);
        assertThat(j.get("status").asText()).as(r.body()).isEqualTo("507");
        assertThat(j.get("message").asText()).as(r.body()).contains("over its limit of 100");
        assertThat(j.has("documentation_url")).as(r.body()).isTrue();
        assertThat(j.get("error").asText()).as(r.body()).isEqualTo("quota-exceeded");
        assertThat(j.get("limit").asLong()).as(r.body()).isEqualTo(100);
        assertThat(s.commitCount()).isEqualTo(commitsBefore);
        assertThat(s.head()).isEqualTo(head);
    }

    @Test
    void aContentsPutPastTheLimitIs507AndCommitsNothing() throws Exception {
        int commits = s.commitCount();
        String head = s.head();
        assertQuota507(api.putFile("big.txt", "x".repeat(84), null), commits, head);
        assertThat(api.get("/contents/big.txt").statusCode()).isEqualTo(404);

        // up to the limit is fine, and replacing a file counts only the difference
        HttpResponse<String> fits = api.putFile("fits.txt", "z".repeat(83), null);
        assertThat(fits.statusCode()).as(fits.body()).isEqualTo(201);
        HttpResponse<String> grow = api.putFile("fits.txt", "z".repeat(84), Api.json(fits).get("content").get("sha").asText());
        assertQuota507(grow, commits + 1, s.head());
        HttpResponse<String> shrink = api.putFile("fits.txt", "z".repeat(10), Api.json(fits).get("content").get("sha").asText());
        assertThat(shrink.statusCode()).as(shrink.body()).isEqualTo(200);
    }

    @Test
    void aBatchPastTheLimitIs507AndCommitsNothing() throws Exception {
        int commits = s.commitCount();
        String head = s.head();
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "two halves");
        ArrayNode files = body.putArray("files");
        files.addObject().put("operation", "create").put("path", "a.txt").put("content", Api.b64("a".repeat(50)));
        files.addObject().put("operation", "create").put("path", "b.txt").put("content", Api.b64("b".repeat(50)));
        assertQuota507(api.send("POST", "/contents", body.toString()), commits, head);
        assertThat(api.get("/contents/a.txt").statusCode()).isEqualTo(404);
    }
}
