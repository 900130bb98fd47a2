package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** Gitea-style {@code POST contents} with {@code files[]}: one atomic commit, or nothing. */
class BatchApiTest {
    @TempDir
    Path tmp;
    TestServer s;
    Api api;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
        api = new Api(s);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private static ObjectNode op(ArrayNode files, String operation, String path) {
        return files.addObject().put("operation", operation).put("path", path);
    }

    @Test
    void createUpdateDeleteRenameInOneCommit() throws Exception {
        String readme = api.sha("README.md");
        String welcome = api.sha("docs/welcome.txt");
        int commits = s.commitCount();
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "reorganise");
        ArrayNode files = body.putArray("files");
        op(files, "create", "new/a.txt").put("content", Api.b64("a\n"));
        op(files, "update", "README.md").put("content", Api.b64("# updated\n")).put("sha", readme);
        op(files, "rename", "archive/welcome.txt").put("from_path", "docs/welcome.txt").put("sha", welcome);
        op(files, "upload", "up.txt").put("content", Api.b64("up\n"));
        HttpResponse<String> r = api.send("POST", "/contents", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode j = Api.json(r);
        assertThat(j.get("files").size()).isEqualTo(4);
        assertThat(j.get("files").get(0).get("path").asText()).isEqualTo("new/a.txt");
        assertThat(j.get("files").get(1).get("size").asLong()).isEqualTo(10);
        assertThat(j.get("files").get(2).get("path").asText()).isEqualTo("archive/welcome.txt");
        assertThat(j.get("files").get(2).get("sha").asText()).isEqualTo(welcome);
        assertThat(j.get("files").get(2).get("size").asLong()).isEqualTo(8);
        assertThat(j.get("commit").get("sha").asText()).isEqualTo(s.head());
        assertThat(j.get("commit").get("message").asText()).isEqualTo("reorganise");
        assertThat(r.headers().firstValue("X-Revision")).hasValue(s.head());
        assertThat(s.commitCount()).isEqualTo(commits + 1);
        assertThat(s.get("new/a.txt").body()).isEqualTo("a\n");
        assertThat(s.get("README.md").body()).isEqualTo("# updated\n");
        assertThat(s.get("archive/welcome.txt").body()).isEqualTo("welcome\n");
        assertThat(s.get("docs/welcome.txt").statusCode()).isEqualTo(404);

        ObjectNode del = Api.MAPPER.createObjectNode();
        op(del.putArray("files"), "delete", "up.txt").put("sha", j.get("files").get(3).get("sha").asText());
        HttpResponse<String> d = api.send("POST", "/contents", del.toString());
        assertThat(d.statusCode()).as(d.body()).isEqualTo(201);
        assertThat(Api.json(d).get("files").get(0).isNull()).isTrue();
        assertThat(s.commitMessages().get(0)).isEqualTo("Change files: up.txt");
    }

    @Test
    void oneStaleShaRefusesTheWholeBatch() throws Exception {
        String head = s.head();
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "m");
        ArrayNode files = body.putArray("files");
        op(files, "create", "x.txt").put("content", Api.b64("x"));
        op(files, "update", "README.md").put("content", Api.b64("y")).put("sha", "0123456789abcdef0123456789abcdef01234567");
        HttpResponse<String> r = api.send("POST", "/contents", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        JsonNode j = Api.json(r);
        assertThat(j.get("error").asText()).isEqualTo("stale");
        assertThat(j.get("path").asText()).isEqualTo("README.md");
        assertThat(j.get("current").get("sha").asText()).isEqualTo(api.sha("README.md"));
        assertThat(s.head()).isEqualTo(head);
        assertThat(api.get("/contents/x.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void refusals() throws Exception {
        String head = s.head();
        ObjectNode exists = Api.MAPPER.createObjectNode();
        op(exists.putArray("files"), "create", "README.md").put("content", Api.b64("x"));
        HttpResponse<String> r1 = api.send("POST", "/contents", exists.toString());
        assertThat(r1.statusCode()).as(r1.body()).isEqualTo(409);
        assertThat(Api.json(r1).get("error").asText()).isEqualTo("exists");

        ObjectNode noSha = Api.MAPPER.createObjectNode();
        op(noSha.putArray("files"), "update", "README.md").put("content", Api.b64("x"));
        HttpResponse<String> r2 = api.send("POST", "/contents", noSha.toString());
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(422);

        ObjectNode missing = Api.MAPPER.createObjectNode();
        op(missing.putArray("files"), "delete", "nope.txt");
        HttpResponse<String> r3 = api.send("POST", "/contents", missing.toString());
        assertThat(r3.statusCode()).as(r3.body()).isEqualTo(404);

        ObjectNode missingWithSha = Api.MAPPER.createObjectNode();
        op(missingWithSha.putArray("files"), "delete", "nope.txt").put("sha", "0123456789abcdef0123456789abcdef01234567");
        HttpResponse<String> r3s = api.send("POST", "/contents", missingWithSha.toString());
        assertThat(r3s.statusCode()).as(r3s.body()).isEqualTo(409);

        ObjectNode badOp = Api.MAPPER.createObjectNode();
        op(badOp.putArray("files"), "chmod", "README.md");
        HttpResponse<String> r4 = api.send("POST", "/contents", badOp.toString());
        assertThat(r4.statusCode()).as(r4.body()).isEqualTo(422);

        HttpResponse<String> r5 = api.send("POST", "/contents", "{\"files\":[]}");
        assertThat(r5.statusCode()).as(r5.body()).isEqualTo(422);

        ObjectNode hidden = Api.MAPPER.createObjectNode();
        op(hidden.putArray("files"), "create", "docs/.davitkeep").put("content", Api.b64("x"));
        HttpResponse<String> r6 = api.send("POST", "/contents", hidden.toString());
        assertThat(r6.statusCode()).as(r6.body()).isEqualTo(403);

        ObjectNode underFile = Api.MAPPER.createObjectNode();
        op(underFile.putArray("files"), "create", "README.md/x.txt").put("content", Api.b64("x"));
        HttpResponse<String> r7 = api.send("POST", "/contents", underFile.toString());
        assertThat(r7.statusCode()).as(r7.body()).isEqualTo(409);
        assertThat(Api.json(r7).get("error").asText()).isEqualTo("parent-not-collection");
        assertThat(s.head()).isEqualTo(head);
    }
}
