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
import dev.davit.testutil.TestServer;

/** History, one commit with its files, compare, branches and the repository. */
class CommitsApiTest {
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

    private static List<String> messages(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(c -> out.add(c.get("commit").get("message").asText().trim()));
        return out;
    }

    @Test
    void historyOfAFileIsPagedWithLinks() throws Exception {
        for (int i = 1; i <= 5; i++) {
            String sha = i == 1 ? null : api.sha("h.txt");
            assertThat(api.putFile("h.txt", "v" + i + "\n", sha).statusCode()).isIn(200, 201);
            assertThat(api.putFile("other" + i + ".txt", "o", null).statusCode()).isEqualTo(201);
        }
        HttpResponse<String> all = api.get("/commits?path=h.txt");
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        assertThat(messages(Api.json(all))).containsExactly("put h.txt", "put h.txt", "put h.txt", "put h.txt", "put h.txt");
        assertThat(all.headers().firstValue("Link")).isEmpty();

        HttpResponse<String> p1 = api.get("/commits?path=h.txt&per_page=2");
        assertThat(Api.json(p1).size()).isEqualTo(2);
        String link = p1.headers().firstValue("Link").orElseThrow();
        assertThat(link).isEqualTo("<" + api.repoUrl() + "/commits?path=h.txt&per_page=2&page=2>; rel=\"next\", <"
                + api.repoUrl() + "/commits?path=h.txt&per_page=2&page=3>; rel=\"last\"");
        HttpResponse<String> p3 = api.get("/commits?path=h.txt&per_page=2&page=3");
        assertThat(Api.json(p3).size()).isEqualTo(1);
        assertThat(p3.headers().firstValue("Link").orElseThrow())
                .isEqualTo("<" + api.repoUrl() + "/commits?path=h.txt&per_page=2&page=2>; rel=\"prev\", <"
                        + api.repoUrl() + "/commits?path=h.txt&per_page=2&page=1>; rel=\"first\"");
        assertThat(Api.json(p3).get(0).get("commit").get("message").asText()).isEqualTo("put h.txt"); // exactly as sent

        HttpResponse<String> everything = api.get("/commits?per_page=100");
        assertThat(Api.json(everything).size()).isEqualTo(11);
        assertThat(Api.json(api.get("/commits?path=nope.txt")).size()).isZero();
    }

    @Test
    void commitListShape() throws Exception {
        String head = s.head();
        HttpResponse<String> r = api.get("/commits?sha=" + head);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode c = Api.json(r).get(0);
        assertThat(c.get("sha").asText()).isEqualTo(head);
        assertThat(c.get("url").asText()).isEqualTo(api.repoUrl() + "/commits/" + head);
        assertThat(c.get("commit").get("url").asText()).isEqualTo(api.repoUrl() + "/git/commits/" + head);
        assertThat(c.get("commit").get("author").get("name").asText()).isEqualTo("Davit");
        assertThat(c.get("commit").get("tree").get("sha").asText()).matches("[0-9a-f]{40}");
        assertThat(c.get("commit").get("comment_count").asInt()).isZero();
        assertThat(c.get("author").isNull()).isTrue();
        assertThat(c.get("parents").size()).isZero();
        HttpResponse<String> bad = api.get("/commits?sha=nope");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(404);
        assertThat(Api.json(bad).get("message").asText()).isEqualTo("No commit found for SHA: nope");
        HttpResponse<String> hidden = api.get("/commits?path=.davitkeep");
        assertThat(hidden.statusCode()).as(hidden.body()).isEqualTo(403);
    }

    @Test
    void oneCommitWithFilesAndPatches() throws Exception {
        String sha = api.sha("README.md");
        assertThat(api.putFile("README.md", "# sample\nmore\n", sha).statusCode()).isEqualTo(200);
        String head = s.head();
        HttpResponse<String> r = api.get("/commits/" + head);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("sha").asText()).isEqualTo(head);
        assertThat(j.get("stats").get("additions").asInt()).isEqualTo(1);
        assertThat(j.get("stats").get("deletions").asInt()).isZero();
        assertThat(j.get("stats").get("total").asInt()).isEqualTo(1);
        JsonNode f = j.get("files").get(0);
        assertThat(f.get("filename").asText()).isEqualTo("README.md");
        assertThat(f.get("status").asText()).isEqualTo("modified");
        assertThat(f.get("additions").asInt()).isEqualTo(1);
        assertThat(f.get("changes").asInt()).isEqualTo(1);
        assertThat(f.get("sha").asText()).isEqualTo(api.sha("README.md"));
        assertThat(f.get("patch").asText()).isEqualTo("@@ -1 +1,2 @@\n # sample\n+more\n");
        assertThat(f.get("contents_url").asText()).isEqualTo(api.repoUrl() + "/contents/README.md?ref=" + head);
        assertThat(r.headers().firstValue("ETag")).hasValue("\"" + head + "\"");
        HttpResponse<String> byBranch = api.get("/commits/main");
        assertThat(Api.json(byBranch).get("sha").asText()).isEqualTo(head);
        HttpResponse<String> first = api.get("/commits/" + Api.json(r).get("parents").get(0).get("sha").asText());
        assertThat(Api.json(first).get("files").size()).isEqualTo(2); // the import added both files
        assertThat(Api.json(first).get("files").get(0).get("status").asText()).isEqualTo("added");
        assertThat(api.get("/commits/0123456789abcdef0123456789abcdef01234567").statusCode()).isEqualTo(404);
    }

    @Test
    void compareTwoRevisions() throws Exception {
        String base = s.head();
        assertThat(api.putFile("c1.txt", "one\n", null).statusCode()).isEqualTo(201);
        String welcome = api.sha("docs/welcome.txt");
        assertThat(api.send("DELETE", "/contents/docs/welcome.txt", "{\"message\":\"rm\",\"sha\":\"" + welcome + "\"}").statusCode())
                .isEqualTo(200);
        String head = s.head();
        HttpResponse<String> r = api.get("/compare/" + base + "..." + head);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("status").asText()).isEqualTo("ahead");
        assertThat(j.get("ahead_by").asInt()).isEqualTo(2);
        assertThat(j.get("behind_by").asInt()).isZero();
        assertThat(j.get("total_commits").asInt()).isEqualTo(2);
        assertThat(j.get("base_commit").get("sha").asText()).isEqualTo(base);
        assertThat(j.get("merge_base_commit").get("sha").asText()).isEqualTo(base);
        assertThat(messages(j.get("commits"))).containsExactly("put c1.txt", "rm");
        List<String> files = new ArrayList<>();
        j.get("files").forEach(f -> files.add(f.get("status").asText() + " " + f.get("filename").asText()));
        assertThat(files).containsExactlyInAnyOrder("added c1.txt", "removed docs/welcome.txt");
        assertThat(j.get("permalink_url").asText()).isEqualTo(api.repoUrl() + "/compare/" + base + "..." + head);

        JsonNode back = Api.json(api.get("/compare/main..." + base));
        assertThat(back.get("status").asText()).isEqualTo("behind");
        assertThat(back.get("behind_by").asInt()).isEqualTo(2);
        assertThat(back.get("files").size()).isZero();
        assertThat(Api.json(api.get("/compare/main...main")).get("status").asText()).isEqualTo("identical");
        assertThat(api.get("/compare/main..nope").statusCode()).isEqualTo(404);
        assertThat(api.get("/compare/main...nope").statusCode()).isEqualTo(404);
    }

    @Test
    void branchesAndRepository() throws Exception {
        HttpResponse<String> b = api.get("/branches");
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        JsonNode arr = Api.json(b);
        assertThat(arr.size()).isEqualTo(1);
        assertThat(arr.get(0).get("name").asText()).isEqualTo("main");
        assertThat(arr.get(0).get("commit").get("sha").asText()).isEqualTo(s.head());
        assertThat(arr.get(0).get("commit").get("url").asText()).isEqualTo(api.repoUrl() + "/commits/" + s.head());
        assertThat(arr.get(0).get("protected").asBoolean()).isFalse();
        assertThat(Api.json(api.get("/branches/main")).get("name").asText()).isEqualTo("main");
        assertThat(api.get("/branches/nope").statusCode()).isEqualTo(404);

        HttpResponse<String> r = api.get("");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode repo = Api.json(r);
        assertThat(repo.get("name").asText()).isEqualTo("sample");
        assertThat(repo.get("full_name").asText()).isEqualTo("demo/sample");
        assertThat(repo.get("owner").get("login").asText()).isEqualTo("demo");
        assertThat(repo.get("default_branch").asText()).isEqualTo("main");
        assertThat(repo.get("url").asText()).isEqualTo(api.repoUrl());
        assertThat(repo.get("id").isNumber()).isTrue();
        assertThat(repo.get("permissions").get("push").asBoolean()).isTrue();
        assertThat(r.headers().firstValue("X-Revision")).hasValue(s.head());
        assertThat(r.headers().firstValue("ETag")).isPresent();
        JsonNode asReader = Api.json(new Api(s, "reader", "reader").get(""));
        assertThat(asReader.get("permissions").get("push").asBoolean()).isFalse();
    }
}
