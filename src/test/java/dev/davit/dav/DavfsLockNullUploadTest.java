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

import dev.davit.testutil.Git;
import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/**
 * davfs2's upload of a new file (shared/harness/README.md, "Client facts"): LOCK the unmapped URL, then
 * PUT with {@code If-None-Match: *} and the lock token, then UNLOCK. The LOCK made an empty file, so a
 * server that applies If-None-Match literally refuses the PUT and davfs2 loses the file silently
 * (mod_dav_svn). Davit stores it, and only for the lock's own holder.
 */
class DavfsLockNullUploadTest {
    /** davfs2 1.6's LOCK body: exclusive write lock, its owner as text. */
    static final String DAVFS_OWNER = "demo";

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

    static String lockNew(String path) throws Exception {
        HttpResponse<String> r = Locks.lock(s, path, "exclusive", "0", DAVFS_OWNER, "Timeout", "Second-900");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Locks.token(r);
    }

    @Test
    void lockPutIfNoneMatchStarWithTokenUnlockStoresTheFile() throws Exception {
        int commits = s.commitCount();
        String token = lockNew("davfs-new.txt");
        assertThat(s.get("davfs-new.txt").body()).isEmpty();

        HttpResponse<String> put = s.put("davfs-new.txt", "written through davfs2\n", "If-None-Match", "*", "If", ifToken(token));
        assertThat(put.statusCode()).as("the lock-null upload must not be refused: " + put.body()).isIn(201, 204);
        assertThat(put.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId("written through davfs2\n")));

        HttpResponse<String> unlock = Locks.unlock(s, "davfs-new.txt", token);
        assertThat(unlock.statusCode()).as(unlock.body()).isEqualTo(204);

        HttpResponse<String> get = s.get("davfs-new.txt");
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("written through davfs2\n");
        assertThat(Git.bytes(s, "davfs-new.txt")).asString().isEqualTo("written through davfs2\n");
        assertThat(s.commitCount()).as("one save, one commit: the LOCK's empty file waited aside for the PUT").isEqualTo(commits + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("PUT davfs-new.txt");
    }

    @Test
    void theSameUploadWithNeonsTaggedIfHeaderStoresTheFile() throws Exception {
        String token = lockNew("davfs-tagged.txt");
        HttpResponse<String> put = s.put("davfs-tagged.txt", "tagged", "If-None-Match", "*",
                "If", "<" + s.base() + "davfs-tagged.txt> " + ifToken(token));
        assertThat(put.statusCode()).as(put.body()).isIn(201, 204);
        assertThat(Locks.unlock(s, "davfs-tagged.txt", token).statusCode()).isEqualTo(204);
        assertThat(s.get("davfs-tagged.txt").body()).isEqualTo("tagged");
    }

    @Test
    void anotherUsersIfNoneMatchStarPutIs409BecauseTheFileExistsForThem() throws Exception {
        String token = lockNew("davfs-race.txt");
        int commits = s.commitCount();
        HttpResponse<String> bob = Locks.sendAs(s, "bob", "bob", "PUT", "davfs-race.txt", "bob's", "If-None-Match", "*");
        assertThat(bob.statusCode()).as(bob.body()).isEqualTo(409);
        assertThat(s.commitCount()).isEqualTo(commits);

        // demo's own upload still goes through, and afterwards bob's If-None-Match: * still fails.
        HttpResponse<String> demo = s.put("davfs-race.txt", "demo's", "If-None-Match", "*", "If", ifToken(token));
        assertThat(demo.statusCode()).as(demo.body()).isIn(201, 204);
        assertThat(Locks.unlock(s, "davfs-race.txt", token).statusCode()).isEqualTo(204);
        HttpResponse<String> after = Locks.sendAs(s, "bob", "bob", "PUT", "davfs-race.txt", "bob's", "If-None-Match", "*");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(409);
        assertThat(s.get("davfs-race.txt").body()).isEqualTo("demo's");
    }

    @Test
    void anotherUserWithTheHoldersTokenCannotUseTheLockNullExemption() throws Exception {
        String token = lockNew("davfs-stolen.txt");
        HttpResponse<String> bob = Locks.sendAs(s, "bob", "bob", "PUT", "davfs-stolen.txt", "bob's",
                "If-None-Match", "*", "If", ifToken(token));
        assertThat(bob.statusCode()).as(bob.body()).isEqualTo(409);
        assertThat(s.get("davfs-stolen.txt").body()).isEmpty();
    }

    @Test
    void theExemptionEndsOnceTheFileHasContent() throws Exception {
        // If-None-Match: * protects real content: only the empty file the LOCK made is treated as absent.
        String token = lockNew("davfs-twice.txt");
        HttpResponse<String> first = s.put("davfs-twice.txt", "first", "If-None-Match", "*", "If", ifToken(token));
        assertThat(first.statusCode()).as(first.body()).isIn(201, 204);
        HttpResponse<String> second = s.put("davfs-twice.txt", "second", "If-None-Match", "*", "If", ifToken(token));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
        assertThat(s.get("davfs-twice.txt").body()).isEqualTo("first");
    }

    @Test
    void ifNoneMatchStarOnAnEmptyFileThatNoLockCreatedIs409() throws Exception {
        HttpResponse<String> empty = s.put("davfs-plain-empty.txt", "");
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(201);
        String token = Locks.lockFile(s, "davfs-plain-empty.txt");
        HttpResponse<String> put = s.put("davfs-plain-empty.txt", "x", "If-None-Match", "*", "If", ifToken(token));
        assertThat(put.statusCode()).as("the file existed before the LOCK: " + put.body()).isEqualTo(409);
        assertThat(s.get("davfs-plain-empty.txt").body()).isEmpty();
    }
}
