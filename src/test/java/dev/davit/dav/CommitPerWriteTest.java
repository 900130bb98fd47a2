package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * Each successful write is exactly one commit on main, authored by the authenticated user, whose
 * message says what happened; the response's X-Revision is that commit.
 */
class CommitPerWriteTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Asserts that {@code r} made exactly one commit with {@code message} by demo, named by X-Revision. */
    private static void assertOneCommit(HttpResponse<String> r, int before, String message) throws Exception {
        assertThat(s.commitCount()).as("commits after " + message).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo(message);
        assertThat(Git.headAuthor(s).getName()).isEqualTo("demo");
        assertThat(r.headers().firstValue("X-Revision")).as("X-Revision of " + message).contains(s.head());
    }

    @Test
    void putIsOneCommitByTheUser() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = s.put("docs/a.txt", "a");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertOneCommit(r, before, "PUT docs/a.txt");

        before = s.commitCount();
        r = s.put("docs/a.txt", "changed");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertOneCommit(r, before, "PUT docs/a.txt");
    }

    @Test
    void deleteIsOneCommit() throws Exception {
        s.put("del.txt", "x");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.delete(s, "del.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertOneCommit(r, before, "DELETE del.txt");
        assertThat(s.get("del.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void deleteOfAFolderWithFilesIsOneCommit() throws Exception {
        Dav.mkcol(s, "delfolder");
        s.put("delfolder/1.txt", "1");
        s.put("delfolder/2.txt", "2");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.delete(s, "delfolder/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertOneCommit(r, before, "DELETE delfolder");
        assertThat(Git.files(s, "delfolder")).isEmpty();
    }

    @Test
    void mkcolIsOneCommit() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = Dav.mkcol(s, "d");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertOneCommit(r, before, "MKCOL d");
    }

    @Test
    void copyIsOneCommit() throws Exception {
        s.put("copysrc.txt", "c");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.copy(s, "copysrc.txt", "copydst.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertOneCommit(r, before, "COPY copysrc.txt -> copydst.txt");
    }

    @Test
    void moveIsOneCommit() throws Exception {
        s.put("movesrc.txt", "m");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.move(s, "movesrc.txt", "movedst.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertOneCommit(r, before, "MOVE movesrc.txt -> movedst.txt");
    }

    @Test
    void proppatchIsOneCommit() throws Exception {
        s.put("pp.txt", "p");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.proppatch(s, "pp.txt", Dav.setProps("<Z:color xmlns:Z=\"urn:z\">red</Z:color>"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertOneCommit(r, before, "PROPPATCH pp.txt");
    }

    @Test
    void readsMakeNoCommit() throws Exception {
        int before = s.commitCount();
        s.get("README.md");
        s.send("HEAD", "README.md", null);
        Dav.propfind(s, "", "1");
        s.send("OPTIONS", "", null);
        assertThat(s.commitCount()).isEqualTo(before);
    }
}
