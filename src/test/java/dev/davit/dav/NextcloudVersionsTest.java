package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;

import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Nextcloud's versions endpoint (what its web page and mobile apps use, apps/files_versions) served from git
 * history: the past versions of a file by its oc:fileid, the bytes of one, and a restore by MOVE to
 * {user}/restore/target as one commit.
 */
class NextcloudVersionsTest {
    static final String FILES = "/remote.php/dav/files/demo/";
    static final String VERSIONS = "/remote.php/dav/versions/";

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("user.demo.home", "demo/sample");
        settings.put("user.alice.password", "alice");
        settings.put("user.alice.access", "*:rw");
        s = TestServer.start(tmp, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    static HttpResponse<String> demo(String method, String absPath, String body, String... headers) throws Exception {
        return NextcloudChunkedUploadV2Test.send(s, "demo", method, absPath, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static String fileId(String name) throws Exception {
        HttpResponse<String> r = demo("PROPFIND", FILES + name, "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" "
                + "xmlns:oc=\"http://owncloud.org/ns\"><d:prop><oc:fileid/></d:prop></d:propfind>", "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body()).resources().get(0).prop("{http://owncloud.org/ns}fileid").text();
    }

    static List<MultiStatus.Resource> versions(String user, String id) throws Exception {
        HttpResponse<String> r = NextcloudChunkedUploadV2Test.send(s, user, "PROPFIND", VERSIONS + user + "/versions/" + id, null, "Depth", "1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body()).resources().stream().filter(x -> !x.isCollection()).toList();
    }

    static String name(MultiStatus.Resource r) {
        return r.href().substring(r.href().lastIndexOf('/') + 1);
    }

    @Test
    void pastVersionsAreListedNewestFirstReadableAndOneIsRestoredAsOneCommit() throws Exception {
        for (String v : List.of("version one", "version two", "version three")) {
            HttpResponse<String> put = demo("PUT", FILES + "notes.txt", v);
            assertThat(put.statusCode()).as(put.body()).isBetween(201, 204);
        }
        String id = fileId("notes.txt");
        List<MultiStatus.Resource> vs = versions("demo", id);
        assertThat(vs).as("the current content is the file itself").hasSize(2);
        assertThat(vs.get(0).text("getcontentlength")).isEqualTo("11");
        assertThat(vs.get(0).text("getetag")).isEqualTo(Git.quoted(Git.blobId("version two")));
        assertThat(vs.get(1).text("getetag")).isEqualTo(Git.quoted(Git.blobId("version one")));
        assertThat(vs.get(0).text("getlastmodified")).endsWith("GMT");
        long newer = Long.parseLong(name(vs.get(0)));
        long older = Long.parseLong(name(vs.get(1)));
        assertThat(newer).as("names are Unix timestamps, newest first, each its own").isGreaterThan(older);

        HttpResponse<String> get = demo("GET", VERSIONS + "demo/versions/" + id + "/" + name(vs.get(1)), null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("version one");

        int before = s.commitCount();
        HttpResponse<String> restore = demo("MOVE", VERSIONS + "demo/versions/" + id + "/" + name(vs.get(1)), null,
                "Destination", s.server.baseUrl() + "remote.php/dav/versions/demo/restore/target");
        assertThat(restore.statusCode()).as(restore.body()).isEqualTo(204);
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).startsWith("Restore notes.txt to version " + name(vs.get(1)));
        assertThat(new String(Git.bytes(s, "notes.txt"), StandardCharsets.UTF_8)).isEqualTo("version one");
        // Nothing is lost: the replaced content is now a version too.
        assertThat(versions("demo", id)).extracting(r -> r.text("getetag"))
                .contains(Git.quoted(Git.blobId("version three")), Git.quoted(Git.blobId("version two")));
    }

    @Test
    void anotherUsersVersionsAndUnknownIdsAreRefused() throws Exception {
        demo("PUT", FILES + "mine.txt", "a");
        demo("PUT", FILES + "mine.txt", "b");
        String id = fileId("mine.txt");
        HttpResponse<String> other = NextcloudChunkedUploadV2Test.send(s, "alice", "PROPFIND", VERSIONS + "demo/versions/" + id, null, "Depth", "1");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        HttpResponse<String> unknown = demo("PROPFIND", VERSIONS + "demo/versions/99999999", null, "Depth", "1");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        HttpResponse<String> elsewhere = demo("MOVE", VERSIONS + "demo/versions/" + id + "/" + name(versions("demo", id).get(0)), null,
                "Destination", s.server.baseUrl() + "remote.php/dav/files/demo/copy.txt");
        assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(403);
    }

    /** The in-process tier: the listing through Jetty's LocalConnector. */
    @Test
    void listingThroughRawHttpInProcess() throws Exception {
        demo("PUT", FILES + "raw.txt", "1");
        demo("PUT", FILES + "raw.txt", "22");
        String id = fileId("raw.txt");
        String req = "PROPFIND " + VERSIONS + "demo/versions/" + id + " HTTP/1.1\r\nHost: localhost\r\nDepth: 1\r\nAuthorization: "
                + TestServer.basic("demo", "demo") + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(req));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(207);
        assertThat(r.getContent()).contains("<D:getcontentlength>1</D:getcontentlength>").contains(VERSIONS + "demo/versions/" + id + "/");
    }
}
