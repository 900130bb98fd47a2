package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/**
 * davfs2's first upload into a fresh repository: LOCK of the new path (which creates the empty file)
 * before any empty object was ever stored. The commit must not name a blob the object store lacks.
 */
class DavfsFirstFileInFreshRepositoryTest {
    @TempDir
    Path tmp;

    @Test
    void lockOfANewPathInAFreshRepositoryStoresTheEmptyFile() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            HttpResponse<String> lock = Locks.lock(s, "first.txt", "exclusive", "0", "davfs2");
            assertThat(lock.statusCode()).as(lock.body()).isEqualTo(201);
            String token = Locks.token(lock);

            HttpResponse<String> get = s.get("first.txt");
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            assertThat(get.body()).isEmpty();

            HttpResponse<String> put = s.put("first.txt", "hello", "If-None-Match", "*", "If", Locks.ifToken(token));
            assertThat(put.statusCode()).as(put.body()).isIn(201, 204);
            assertThat(s.get("first.txt").body()).isEqualTo("hello");

            Process fsck = new ProcessBuilder("git", "--git-dir=" + s.bareRepository(), "fsck", "--full")
                    .redirectErrorStream(true).start();
            String out = new String(fsck.getInputStream().readAllBytes());
            assertThat(fsck.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(fsck.exitValue()).as(out).isZero();
            assertThat(out).doesNotContain("missing");
        }
    }

    @Test
    void lockTimeoutIsReportedWithoutLosingASecond() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            HttpResponse<String> lock = Locks.lock(s, "README.md", "exclusive", "0", "davfs2", "Timeout", "Second-60");
            assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);
            assertThat(lock.body()).contains("<D:timeout>Second-60</D:timeout>");

            HttpResponse<String> refresh = s.send("LOCK", "README.md", null, "If", Locks.ifToken(Locks.token(lock)), "Timeout", "Second-0");
            assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(200);
        }
    }
}
