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
 * Sync clients keep modification times: rclone ({@code vendor=owncloud}/{@code rclone}) and ownCloud/Nextcloud
 * clients send {@code X-OC-Mtime: <unix seconds>} with a PUT and expect {@code X-OC-MTime: accepted}; the
 * next PROPFIND must show that time, or every sync uploads the file again.
 */
class RcloneOwncloudMtimeTest {
    static final long MTIME = 1_700_000_000L;
    static final String MTIME_HTTP = "Tue, 14 Nov 2023 22:13:20 GMT";

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

    static String lastModified(String path) throws Exception {
        return Dav.props(s, path, "0").resources().get(0).text("getlastmodified");
    }

    @Test
    void xOcMtimeIsAcceptedAndServedAsGetlastmodifiedInOneCommit() throws Exception {
        int commits = s.commitCount();
        HttpResponse<String> r = s.put("synced.txt", "content", "X-OC-Mtime", Long.toString(MTIME));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("X-OC-MTime")).contains("accepted");
        assertThat(s.commitCount()).as("content and time in one commit").isEqualTo(commits + 1);
        // The time is kept beside the repository: the commit holds the file and nothing else (no .davitprops).
        assertThat(Git.changedInHead(s)).containsExactly("synced.txt");
        assertThat(lastModified("synced.txt")).isEqualTo(MTIME_HTTP);
        assertThat(s.get("synced.txt").body()).isEqualTo("content");
    }

    @Test
    void aDepth1ListingShowsTheClientsTime() throws Exception {
        HttpResponse<String> mk = Dav.mkcol(s, "sync-dir");
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        HttpResponse<String> r = s.put("sync-dir/a.bin", "aaa", "X-OC-Mtime", Long.toString(MTIME));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(Dav.props(s, "sync-dir/", "1").get("sync-dir/a.bin").text("getlastmodified")).isEqualTo(MTIME_HTTP);
    }

    @Test
    void anOverwriteWithANewTimeReplacesIt() throws Exception {
        s.put("resynced.txt", "v1", "X-OC-Mtime", Long.toString(MTIME));
        HttpResponse<String> r = s.put("resynced.txt", "v2", "X-OC-Mtime", Long.toString(MTIME + 3600));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(r.headers().firstValue("X-OC-MTime")).contains("accepted");
        assertThat(lastModified("resynced.txt")).isEqualTo("Tue, 14 Nov 2023 23:13:20 GMT");
    }

    @Test
    void aPutWithoutTheHeaderSaysNothingAboutIt() throws Exception {
        HttpResponse<String> r = s.put("plain.txt", "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("X-OC-MTime")).isEmpty();
        assertThat(lastModified("plain.txt")).isNotEqualTo(MTIME_HTTP);
    }

    @Test
    void newContentWithoutAClientTimeDropsTheOldClientTime() throws Exception {
        s.put("edited.txt", "v1", "X-OC-Mtime", Long.toString(MTIME));
        HttpResponse<String> r = s.put("edited.txt", "v2");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(lastModified("edited.txt")).as("the 2023 time would now be a lie").isNotEqualTo(MTIME_HTTP);
    }

    @Test
    void aProppatchOfGetlastmodifiedIsStoredAndServedBack() throws Exception {
        s.put("patched.txt", "x");
        HttpResponse<String> pp = Dav.proppatch(s, "patched.txt",
                Dav.setProps("<D:getlastmodified>" + MTIME_HTTP + "</D:getlastmodified>"));
        assertThat(pp.statusCode()).as(pp.body()).isEqualTo(207);
        assertThat(pp.body()).contains("200");
        assertThat(lastModified("patched.txt")).isEqualTo(MTIME_HTTP);
    }
}
