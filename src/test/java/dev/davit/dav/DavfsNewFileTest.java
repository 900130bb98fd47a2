package dev.davit.dav;

import static dev.davit.testutil.Locks.ifToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/**
 * davfs2 creating a file ({@code cp}, {@code echo > new}, {@code touch}): LOCK of the new URL, PUT with
 * {@code If-None-Match: *} and the token (none for an empty file), UNLOCK. One commit either way; between the
 * LOCK and the PUT the resource exists for everyone (RFC 4918 §7.3) and is locked against them.
 */
class DavfsNewFileTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.bob.password", "bob", "user.bob.access", "*:rw"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void aNewFileIsOneCommit() throws Exception {
        DriveClient c = new DriveClient(s);
        int before = s.commitCount();
        c.davfsCreate("docs/new.txt", "content\n");
        assertThat(c.messagesSince(before)).containsExactly("PUT docs/new.txt");
        assertThat(Git.id(s, "docs/new.txt")).isEqualTo(Git.blobId("content\n"));
    }

    @Test
    void touchIsOneCommitOfAnEmptyFile() throws Exception {
        DriveClient c = new DriveClient(s);
        int before = s.commitCount();
        String t = c.lock("touched.txt", 201);
        c.unlock("touched.txt", t);
        assertThat(c.messagesSince(before)).containsExactly("Save touched.txt (new empty file)");
        assertThat(Git.id(s, "touched.txt")).isEqualTo(Git.blobId(""));
    }

    @Test
    void othersSeeTheLockedEmptyResourceBeforeThePut() throws Exception {
        DriveClient c = new DriveClient(s);
        String t = c.lock("waiting.txt", 201);
        HttpResponse<String> get = Locks.sendAs(s, "bob", "bob", "GET", "waiting.txt", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEmpty();
        HttpResponse<String> pf = Locks.sendAs(s, "bob", "bob", "PROPFIND", "waiting.txt", null, "Depth", "0");
        assertThat(pf.statusCode()).as(pf.body()).isEqualTo(207);
        assertThat(pf.body()).contains("lockdiscovery").contains("<D:getcontentlength>0<");
        HttpResponse<String> put = Locks.sendAs(s, "bob", "bob", "PUT", "waiting.txt", "bob's");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(409);
        HttpResponse<String> lock = Locks.lockAs(s, "bob", "bob", "waiting.txt", "exclusive", "0", null);
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(409);
        HttpResponse<String> mkcol = Locks.sendAs(s, "bob", "bob", "MKCOL", "waiting.txt", null);
        assertThat(mkcol.statusCode()).as(mkcol.body()).isIn(405, 409);
        c.put("waiting.txt", "demo's", t, "If-None-Match", "*");
        c.unlock("waiting.txt", t);
        assertThat(c.read("waiting.txt")).isEqualTo("demo's");
        assertThat(Dav.props(s, "", "1").resources().stream().filter(r -> r.href().endsWith("/waiting.txt")).count())
                .as("listed once, not as a committed and a waiting file").isEqualTo(1);
    }
}
