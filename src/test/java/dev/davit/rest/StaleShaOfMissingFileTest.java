package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/**
 * A {@code sha} names a version the client saw. When the file is gone (deleted since) or never existed, a
 * write carrying it is stale (409, {@code current.sha: null}), never a silent re-create that undoes
 * someone else's delete. Issue 13: a PUT with the sha of a deleted file answered 201.
 */
class StaleShaOfMissingFileTest {
    private static final String INVENTED = "0123456789abcdef0123456789abcdef01234567";

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

    /** Creates z.txt, deletes it, and returns the sha it had. */
    private String createdThenDeleted() throws Exception {
        HttpResponse<String> c = api.putFile("z.txt", "z\n", null);
        assertThat(c.statusCode()).as(c.body()).isEqualTo(201);
        String sha = Api.json(c).get("content").get("sha").asText();
        HttpResponse<String> d = api.send("DELETE", "/contents/z.txt",
                Api.MAPPER.createObjectNode().put("message", "rm").put("sha", sha).toString());
        assertThat(d.statusCode()).as(d.body()).isEqualTo(200);
        return sha;
    }

    private void assertStaleAndNothingChanged(HttpResponse<String> r, String sha, int commitsBefore) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        JsonNode j = Api.json(r);
        assertThat(j.get("error").asText()).as(r.body()).isEqualTo("stale");
        assertThat(j.get("current").has("sha")).as(r.body()).isTrue();
        assertThat(j.get("current").get("sha").isNull()).as(r.body()).isTrue();
        assertThat(j.get("current").get("revision").asText()).as(r.body()).isEqualTo(s.head());
        assertThat(j.get("yours").get("sha").asText()).isEqualTo(sha);
        assertThat(r.headers().firstValue("X-Revision")).hasValue(s.head());
        assertThat(s.commitCount()).isEqualTo(commitsBefore);
    }

    @Test
    void putWithTheShaOfADeletedFileIsStale() throws Exception {
        String sha = createdThenDeleted();
        int commits = s.commitCount();
        HttpResponse<String> r = api.putFile("z.txt", "again\n", sha);
        assertStaleAndNothingChanged(r, sha, commits);
        assertThat(api.get("/contents/z.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void mergeWithTheShaOfADeletedFileIsStale() throws Exception {
        String sha = createdThenDeleted();
        int commits = s.commitCount();
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "m").put("content", Api.b64("z\nmore\n"))
                .put("sha", sha).put("merge", true);
        assertStaleAndNothingChanged(api.send("PUT", "/contents/z.txt", body.toString()), sha, commits);
    }

    @Test
    void anInventedShaOnANewPathIsStaleWithAndWithoutMerge() throws Exception {
        int commits = s.commitCount();
        assertStaleAndNothingChanged(api.putFile("new/never.txt", "x\n", INVENTED), INVENTED, commits);
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "m").put("content", Api.b64("x\n"))
                .put("sha", INVENTED).put("merge", true);
        assertStaleAndNothingChanged(api.send("PUT", "/contents/never.txt", body.toString()), INVENTED, commits);
        // without a sha it is a plain create
        assertThat(api.putFile("never.txt", "x\n", null).statusCode()).isEqualTo(201);
    }

    @Test
    void deleteWithTheShaOfADeletedFileIsStale() throws Exception {
        String sha = createdThenDeleted();
        int commits = s.commitCount();
        HttpResponse<String> r = api.send("DELETE", "/contents/z.txt",
                Api.MAPPER.createObjectNode().put("message", "rm again").put("sha", sha).toString());
        assertStaleAndNothingChanged(r, sha, commits);
    }

    @Test
    void theBatchRouteAgreesForUploadUpdateDeleteAndRename() throws Exception {
        String sha = createdThenDeleted();
        int commits = s.commitCount();
        for (String op : new String[] {"upload", "update", "delete", "rename"}) {
            ObjectNode body = Api.MAPPER.createObjectNode().put("message", "batch " + op);
            ObjectNode f = body.putArray("files").addObject().put("operation", op).put("sha", sha);
            if (op.equals("rename")) {
                f.put("path", "renamed.txt").put("from_path", "z.txt");
            } else {
                f.put("path", "z.txt");
            }
            if (!op.equals("delete") && !op.equals("rename")) {
                f.put("content", Api.b64("again\n"));
            }
            assertStaleAndNothingChanged(api.send("POST", "/contents", body.toString()), sha, commits);
        }
    }

    /** The same refusal through the whole server stack in process (Jetty's LocalConnector, no socket). */
    @Test
    void inProcessPutWithTheShaOfADeletedFileIsStale() throws Exception {
        String sha = createdThenDeleted();
        String body = Api.MAPPER.createObjectNode().put("message", "m").put("content", Api.b64("again\n")).put("sha", sha).toString();
        String raw = "PUT /api/repos/demo/sample/contents/z.txt HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: " + TestServer.basic("demo", "demo") + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(409);
        assertThat(Api.MAPPER.readTree(r.getContent()).get("current").get("sha").isNull()).isTrue();
    }
}
