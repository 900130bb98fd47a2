package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/** A REST write to a path someone locked over WebDAV is refused with 409 and the lock described. */
class RestWebDavLockTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.bob.password", "bob", "user.bob.access", "*:rw"));
        api = new Api(s);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void restUpdateOfAFileLockedByAnotherUserIsRefusedWith409AndTheLock() throws Exception {
        s.put("locked-by-bob.txt", "v1");
        String sha = api.sha("locked-by-bob.txt");
        HttpResponse<String> lock = Locks.lockAs(s, "bob", "bob", "locked-by-bob.txt", "exclusive", "0", "<D:href>bob's laptop</D:href>");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);
        String token = Locks.token(lock);
        int commits = s.commitCount();

        HttpResponse<String> put = api.putFile("locked-by-bob.txt", "v2 from REST", sha);

        assertThat(put.statusCode()).as(put.body()).isEqualTo(409);
        JsonNode body = Api.json(put);
        assertThat(body.path("error").asText()).isEqualTo("locked");
        assertThat(body.path("lock").path("principal").asText()).isEqualTo("bob");
        assertThat(body.path("lock").path("scope").asText()).isEqualTo("exclusive");
        assertThat(body.path("lock").path("root").asText()).isEqualTo("locked-by-bob.txt");
        assertThat(put.body()).doesNotContain(token);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("locked-by-bob.txt").body()).isEqualTo("v1");
    }

    @Test
    void restCreateInAFolderLockedByAnotherUserIsRefused() throws Exception {
        HttpResponse<String> mk = s.send("MKCOL", "bobs-folder", null);
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        HttpResponse<String> lock = Locks.lockAs(s, "bob", "bob", "bobs-folder/", "exclusive", "infinity", "bob");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);

        HttpResponse<String> put = api.putFile("bobs-folder/new.txt", "x", null);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(409);

        HttpResponse<String> delete = api.send("DELETE", "/contents/bobs-folder", "{\"message\":\"rm\",\"sha\":\"0000000000000000000000000000000000000000\"}");
        assertThat(delete.statusCode()).as(delete.body()).isIn(404, 409);
    }

    @Test
    void theUsersOwnWebDavLockDoesNotBlockTheirRestWrite() throws Exception {
        s.put("mine.txt", "v1");
        String sha = api.sha("mine.txt");
        HttpResponse<String> lock = Locks.lock(s, "mine.txt", "exclusive", "0", "demo");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);

        HttpResponse<String> put = api.putFile("mine.txt", "v2", sha);

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    }
}
