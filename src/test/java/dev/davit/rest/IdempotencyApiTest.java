package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** {@code Idempotency-Key}: a retried write gets the first answer back and makes no second commit. */
class IdempotencyApiTest {
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
    void aRetriedCreateReplaysThe201() throws Exception {
        HttpResponse<String> first = api.putFile("once.txt", "x\n", null, "Idempotency-Key", "k-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        int commits = s.commitCount();
        HttpResponse<String> again = api.putFile("once.txt", "x\n", null, "Idempotency-Key", "k-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(again.headers().firstValue("X-Revision")).isEqualTo(first.headers().firstValue("X-Revision"));
        assertThat(again.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
        assertThat(s.commitCount()).isEqualTo(commits);
        // without the key the same request is an update without sha: GitHub's 422
        assertThat(api.putFile("once.txt", "x\n", null).statusCode()).isEqualTo(422);
    }

    @Test
    void aRetriedDeleteReplays() throws Exception {
        String sha = api.sha("README.md");
        String body = "{\"message\":\"rm\",\"sha\":\"" + sha + "\"}";
        HttpResponse<String> first = api.send("DELETE", "/contents/README.md", body, "Idempotency-Key", "d-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        int commits = s.commitCount();
        HttpResponse<String> again = api.send("DELETE", "/contents/README.md", body, "Idempotency-Key", "d-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void aRetriedBatchReplays() throws Exception {
        String body = "{\"message\":\"b\",\"files\":[{\"operation\":\"create\",\"path\":\"b.txt\",\"content\":\"eA==\"}]}";
        HttpResponse<String> first = api.send("POST", "/contents", body, "Idempotency-Key", "b-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        int commits = s.commitCount();
        HttpResponse<String> again = api.send("POST", "/contents", body, "Idempotency-Key", "b-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() throws Exception {
        assertThat(api.putFile("k.txt", "one", null, "Idempotency-Key", "k-2").statusCode()).isEqualTo(201);
        int commits = s.commitCount();
        HttpResponse<String> other = api.putFile("k.txt", "two", null, "Idempotency-Key", "k-2");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(422);
        assertThat(Api.json(other).get("message").asText()).contains("Idempotency-Key");
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void keysBelongToTheirUser() throws Exception {
        assertThat(api.putFile("u.txt", "one", null, "Idempotency-Key", "k-3").statusCode()).isEqualTo(201);
        HttpResponse<String> reader = new Api(s, "reader", "reader").putFile("u.txt", "one", null, "Idempotency-Key", "k-3");
        assertThat(reader.statusCode()).as(reader.body()).isEqualTo(403);
    }

    /** Clients build bodies from maps: the same JSON with its members in another order is the same request. */
    @Test
    void theSameJsonWithMembersInAnotherOrderReplays() throws Exception {
        String a = "{\"message\":\"m\",\"content\":\"" + Api.b64("o\n") + "\",\"committer\":{\"name\":\"A\",\"email\":\"a@x\"}}";
        String b = "{ \"committer\": {\"email\":\"a@x\", \"name\":\"A\"}, \"content\": \"" + Api.b64("o\n") + "\", \"message\": \"m\" }";
        HttpResponse<String> first = api.send("PUT", "/contents/order.txt", a, "Idempotency-Key", "k-4");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        int commits = s.commitCount();
        HttpResponse<String> again = api.send("PUT", "/contents/order.txt", b, "Idempotency-Key", "k-4");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(s.commitCount()).isEqualTo(commits);
        // a different value is still a different request
        String c = b.replace("\"A\"", "\"B\"");
        assertThat(api.send("PUT", "/contents/order.txt", c, "Idempotency-Key", "k-4").statusCode()).isEqualTo(422);
    }
}
