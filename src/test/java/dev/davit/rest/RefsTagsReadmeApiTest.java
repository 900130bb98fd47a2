package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.GitClient;
import dev.davit.testutil.TestServer;

/** {@code git/ref/{ref}}, {@code git/matching-refs/{prefix}}, {@code tags} and {@code readme}, in GitHub's shapes. */
class RefsTagsReadmeApiTest {
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

    /** Pushes a lightweight tag v1 and an annotated tag v2 with JGit over smart HTTP; returns the tagged commit. */
    private String pushTags() throws Exception {
        try (Git g = GitClient.cloneWithJgit(s, tmp.resolve("clone"), "demo", "demo")) {
            ObjectId head = g.getRepository().resolve("HEAD");
            g.tag().setName("v1").setAnnotated(false).call();
            g.tag().setName("v2").setMessage("release 2").call();
            g.push().setPushTags().setCredentialsProvider(GitClient.credentials("demo", "demo")).call();
            return head.name();
        }
    }

    @Test
    void refOfTheDefaultBranch() throws Exception {
        HttpResponse<String> r = api.get("/git/ref/heads/main");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("ref").asText()).isEqualTo("refs/heads/main");
        assertThat(j.get("url").asText()).isEqualTo(api.repoUrl() + "/git/refs/heads/main");
        assertThat(j.get("object").get("sha").asText()).isEqualTo(s.head());
        assertThat(j.get("object").get("type").asText()).isEqualTo("commit");
        assertThat(j.get("object").get("url").asText()).isEqualTo(api.repoUrl() + "/git/commits/" + s.head());
        assertThat(api.get("/git/ref/heads/mai").statusCode()).isEqualTo(404); // a prefix is not the ref
        assertThat(api.get("/git/ref/heads/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void matchingRefsAndTags() throws Exception {
        String tagged = pushTags();
        HttpResponse<String> all = api.get("/git/matching-refs/");
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        Api.json(all).forEach(n -> names.add(n.get("ref").asText()));
        assertThat(names).containsExactly("refs/heads/main", "refs/tags/v1", "refs/tags/v2");

        HttpResponse<String> tags = api.get("/git/matching-refs/tags/v");
        assertThat(tags.statusCode()).as(tags.body()).isEqualTo(200);
        JsonNode t = Api.json(tags);
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.get(0).get("object").get("type").asText()).isEqualTo("commit");
        assertThat(t.get(0).get("object").get("sha").asText()).isEqualTo(tagged);
        assertThat(t.get(1).get("object").get("type").asText()).isEqualTo("tag");
        assertThat(t.get(1).get("object").get("sha").asText()).isNotEqualTo(tagged);
        assertThat(Api.json(api.get("/git/matching-refs/tags/none")).size()).isZero();

        HttpResponse<String> list = api.get("/tags");
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        JsonNode l = Api.json(list);
        assertThat(l.size()).isEqualTo(2);
        assertThat(l.get(0).get("name").asText()).isEqualTo("v1");
        assertThat(l.get(1).get("name").asText()).isEqualTo("v2");
        // an annotated tag is listed with the commit it tags, as on GitHub
        assertThat(l.get(1).get("commit").get("sha").asText()).isEqualTo(tagged);
        assertThat(l.get(1).get("commit").get("url").asText()).isEqualTo(api.repoUrl() + "/commits/" + tagged);
        assertThat(l.get(0).get("zipball_url").asText()).isNotEmpty();
    }

    @Test
    void readmeIsTheTopReadme() throws Exception {
        HttpResponse<String> r = api.get("/readme");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = Api.json(r);
        assertThat(j.get("name").asText()).isEqualTo("README.md");
        assertThat(j.get("path").asText()).isEqualTo("README.md");
        assertThat(Api.unb64(j.get("content").asText())).isEqualTo("# sample\n");
        HttpResponse<String> raw = api.get("/readme", "Accept", "application/vnd.github.raw");
        assertThat(raw.body()).isEqualTo("# sample\n");

        String sha = j.get("sha").asText();
        String rev = s.head();
        assertThat(api.send("DELETE", "/contents/README.md",
                Api.MAPPER.createObjectNode().put("message", "rm").put("sha", sha).toString()).statusCode()).isEqualTo(200);
        HttpResponse<String> none = api.get("/readme");
        assertThat(none.statusCode()).as(none.body()).isEqualTo(404);
        HttpResponse<String> past = api.get("/readme?ref=" + rev);
        assertThat(past.statusCode()).as(past.body()).isEqualTo(200);
        assertThat(api.putFile("readme.txt", "plain\n", null).statusCode()).isEqualTo(201);
        assertThat(Api.json(api.get("/readme")).get("name").asText()).isEqualTo("readme.txt");
    }
}
