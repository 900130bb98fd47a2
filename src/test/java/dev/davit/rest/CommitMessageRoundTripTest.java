package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** A commit message reads back exactly as sent, in the write's answer and in the commit routes (issue 13). */
class CommitMessageRoundTripTest {
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
    void theMessageHasNoAddedNewline() throws Exception {
        String message = "Add notes\n\nwith a body";
        String body = Api.MAPPER.createObjectNode().put("message", message).put("content", Api.b64("n\n")).toString();
        HttpResponse<String> r = api.send("PUT", "/contents/notes.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode commit = Api.json(r).get("commit");
        assertThat(commit.get("message").asText()).isEqualTo(message);
        String sha = commit.get("sha").asText();
        HttpResponse<String> git = api.get("/git/commits/" + sha);
        assertThat(git.statusCode()).as(git.body()).isEqualTo(200);
        assertThat(Api.json(git).get("message").asText()).isEqualTo(message);
        HttpResponse<String> rest = api.get("/commits/" + sha);
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
        assertThat(Api.json(rest).get("commit").get("message").asText()).isEqualTo(message);
    }
}
