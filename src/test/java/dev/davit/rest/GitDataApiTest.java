package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.Dav;
import dev.davit.testutil.TestServer;

/** {@code git/blobs}, {@code git/trees?recursive=1} and {@code git/commits}. */
class GitDataApiTest {
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

    @Test
    void blobBySha() throws Exception {
        String sha = api.sha("docs/welcome.txt");
        HttpResponse<String> r = api.get("/git/blobs/" + sha);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("sha").asText()).isEqualTo(sha);
        assertThat(j.get("size").asInt()).isEqualTo(8);
        assertThat(j.get("encoding").asText()).isEqualTo("base64");
        assertThat(Api.unb64(j.get("content").asText())).isEqualTo("welcome\n");
        assertThat(j.get("url").asText()).isEqualTo(api.repoUrl() + "/git/blobs/" + sha);
        assertThat(r.headers().firstValue("ETag")).hasValue("\"" + sha + "\"");
        HttpResponse<String> raw = api.get("/git/blobs/" + sha, "Accept", "application/vnd.github.raw");
        assertThat(raw.body()).isEqualTo("welcome\n");
    }

    @Test
    void unknownOrWrongTypeObjectsAre404() throws Exception {
        String tree = Api.json(api.get("/contents/")).get(1).get("sha").asText();
        for (String suffix : List.of("/git/blobs/0123456789abcdef0123456789abcdef01234567", "/git/blobs/xyz", "/git/blobs/" + tree,
                "/git/trees/0123456789abcdef0123456789abcdef01234567", "/git/trees/" + api.sha("README.md"),
                "/git/commits/" + tree, "/git/commits/main")) {
            HttpResponse<String> r = api.get(suffix);
            assertThat(r.statusCode()).as(suffix + ": " + r.body()).isEqualTo(404);
            assertThat(Api.json(r).get("message").asText()).isEqualTo("Not Found");
        }
    }

    @Test
    void recursiveTreeWithoutHiddenFiles() throws Exception {
        assertThat(s.send("MKCOL", "empty", null).statusCode()).isEqualTo(201);
        assertThat(s.send("PROPPATCH", "docs/welcome.txt", Dav.setProps("<x:c xmlns:x=\"urn:x\">1</x:c>"),
                "Content-Type", "application/xml").statusCode()).isEqualTo(207);
        HttpResponse<String> r = api.get("/git/trees/main?recursive=1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        List<String> paths = new ArrayList<>();
        j.get("tree").forEach(e -> paths.add(e.get("path").asText()));
        assertThat(paths).containsExactly("README.md", "docs", "docs/welcome.txt", "empty");
        assertThat(j.get("truncated").asBoolean()).isFalse();
        JsonNode readme = j.get("tree").get(0);
        assertThat(readme.get("mode").asText()).isEqualTo("100644");
        assertThat(readme.get("type").asText()).isEqualTo("blob");
        assertThat(readme.get("size").asLong()).isEqualTo(9);
        assertThat(readme.get("sha").asText()).isEqualTo(api.sha("README.md"));
        assertThat(readme.get("url").asText()).isEqualTo(api.repoUrl() + "/git/blobs/" + readme.get("sha").asText());
        JsonNode docs = j.get("tree").get(1);
        assertThat(docs.get("mode").asText()).isEqualTo("040000");
        assertThat(docs.get("type").asText()).isEqualTo("tree");
        assertThat(docs.has("size")).isFalse();

        String commit = s.head();
        String treeSha = Api.json(api.get("/git/commits/" + commit)).get("tree").get("sha").asText();
        assertThat(j.get("sha").asText()).isEqualTo(treeSha);
        assertThat(r.headers().firstValue("ETag")).hasValue("\"" + treeSha + "\"");
        HttpResponse<String> flat = api.get("/git/trees/" + treeSha);
        List<String> top = new ArrayList<>();
        Api.json(flat).get("tree").forEach(e -> top.add(e.get("path").asText()));
        assertThat(top).containsExactly("README.md", "docs", "empty");
        HttpResponse<String> sub = api.get("/git/trees/" + docs.get("sha").asText());
        assertThat(Api.json(sub).get("tree").size()).isEqualTo(1);
        assertThat(Api.json(sub).get("tree").get(0).get("path").asText()).isEqualTo("welcome.txt");
    }

    @Test
    void gitCommitShape() throws Exception {
        String head = s.head();
        HttpResponse<String> r = api.get("/git/commits/" + head);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("sha").asText()).isEqualTo(head);
        assertThat(j.get("message").asText()).isEqualTo("Import sample");
        assertThat(j.get("parents").size()).isZero();
        assertThat(j.get("author").get("name").asText()).isEqualTo("Davit");
    }
}
