package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** {@code "merge": true} on a PUT with a stale sha: clean merges commit, overlaps answer 409 with the hunks. */
class MergeApiTest {
    static final String BASE = "one\ntwo\nthree\nfour\nfive\n";

    @TempDir
    Path tmp;
    TestServer s;
    Api api;
    String baseSha;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
        api = new Api(s);
        HttpResponse<String> r = api.putFile("m.txt", BASE, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        baseSha = Api.json(r).get("content").get("sha").asText();
        // someone else changes the first line
        HttpResponse<String> other = api.putFile("m.txt", "ONE\ntwo\nthree\nfour\nfive\n", baseSha);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private HttpResponse<String> putMerging(String text, String sha) throws Exception {
        ObjectNode body = Api.MAPPER.createObjectNode().put("message", "edit m").put("content", Api.b64(text))
                .put("sha", sha).put("merge", true);
        return api.send("PUT", "/contents/m.txt", body.toString());
    }

    @Test
    void cleanMergeCommitsBothEdits() throws Exception {
        int commits = s.commitCount();
        HttpResponse<String> r = putMerging("one\ntwo\nthree\nfour\nFIVE\n", baseSha);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("merged").asBoolean()).isTrue();
        assertThat(s.get("m.txt").body()).isEqualTo("ONE\ntwo\nthree\nfour\nFIVE\n");
        assertThat(j.get("content").get("sha").asText()).isEqualTo(api.sha("m.txt"));
        assertThat(j.get("content").get("size").asLong()).isEqualTo(24);
        assertThat(s.commitCount()).isEqualTo(commits + 1);
        assertThat(r.headers().firstValue("ETag")).hasValue("\"" + api.sha("m.txt") + "\"");
    }

    @Test
    void overlappingEditsAre409WithHunksAndMarkers() throws Exception {
        String current = api.sha("m.txt");
        int commits = s.commitCount();
        HttpResponse<String> r = putMerging("uno\ntwo\nthree\nfour\nfive\n", baseSha);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        JsonNode j = Api.json(r);
        assertThat(j.get("error").asText()).isEqualTo("merge-conflict");
        assertThat(j.get("merged").asBoolean()).isFalse();
        assertThat(j.get("path").asText()).isEqualTo("m.txt");
        assertThat(j.get("current").get("sha").asText()).isEqualTo(current);
        assertThat(j.get("current").get("revision").asText()).isEqualTo(s.head());
        assertThat(j.get("yours").get("sha").asText()).isEqualTo(baseSha);
        assertThat(j.get("documentation_url").asText()).startsWith("https://docs.github.com/");
        JsonNode c = j.get("conflicts");
        assertThat(c.size()).isEqualTo(1);
        assertThat(c.get(0).get("yours").get("start_line").asInt()).isEqualTo(1);
        assertThat(c.get(0).get("yours").get("line_count").asInt()).isEqualTo(1);
        assertThat(c.get(0).get("yours").get("lines").asText()).isEqualTo("uno\n");
        assertThat(c.get(0).get("current").get("lines").asText()).isEqualTo("ONE\n");
        assertThat(j.get("content_with_markers").asText())
                .isEqualTo("<<<<<<< yours\nuno\n=======\nONE\n>>>>>>> current\ntwo\nthree\nfour\nfive\n");
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("m.txt").body()).isEqualTo("ONE\ntwo\nthree\nfour\nfive\n");
    }

    @Test
    void binaryContentNeverMerges() throws Exception {
        byte[] bin = {0, 1, 2, 3, 0, 9};
        ObjectNode create = Api.MAPPER.createObjectNode().put("message", "bin")
                .put("content", Base64.getEncoder().encodeToString(bin));
        HttpResponse<String> c = api.send("PUT", "/contents/b.bin", create.toString());
        assertThat(c.statusCode()).as(c.body()).isEqualTo(201);
        String first = Api.json(c).get("content").get("sha").asText();
        ObjectNode second = create.deepCopy().put("content", Base64.getEncoder().encodeToString(new byte[] {0, 7})).put("sha", first);
        assertThat(api.send("PUT", "/contents/b.bin", second.toString()).statusCode()).isEqualTo(200);
        ObjectNode stale = create.deepCopy().put("content", Base64.getEncoder().encodeToString(new byte[] {0, 8}))
                .put("sha", first).put("merge", true);
        HttpResponse<String> r = api.send("PUT", "/contents/b.bin", stale.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(Api.json(r).get("merged").asBoolean()).isFalse();
        assertThat(Api.json(r).has("conflicts")).isFalse();
        assertThat(Api.json(r).get("message").asText()).contains("binary");
    }

    @Test
    void unknownBaseIsAPlainStale409() throws Exception {
        HttpResponse<String> r = putMerging("x\n", "0123456789abcdef0123456789abcdef01234567");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(Api.json(r).get("error").asText()).isEqualTo("stale");
    }

    @Test
    void mergeMustBeABoolean() throws Exception {
        String body = "{\"message\":\"m\",\"content\":\"eA==\",\"sha\":\"" + baseSha + "\",\"merge\":\"yes\"}";
        HttpResponse<String> r = api.send("PUT", "/contents/m.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    }
}
