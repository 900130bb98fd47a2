package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.MiniJson;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * What the Nextcloud (nextcloudcmd 3.7) and ownCloud (owncloudcmd 2.11) desktop clients ask before and
 * while they sync: /status.php, OCS capabilities and user, the files at /remote.php/dav/files/{user}/ and
 * /remote.php/webdav/ with oc:id, oc:fileid, oc:permissions and oc:size, file ids that follow a MOVE, and
 * 412 (not 409) for a stale If-Match there, which Nextcloud turns into a conflict copy.
 */
class NextcloudClientProtocolTest {
    static final String OC = "http://owncloud.org/ns";
    static final String PROPS = "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\"><d:prop>"
            + "<d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getetag/><oc:size/><oc:id/><oc:fileid/>"
            + "<oc:permissions/><oc:checksums/></d:prop></d:propfind>";

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("user.demo.home", "demo/sample");
        settings.put("user.alice.password", "alice");
        settings.put("user.alice.access", "alice/*:rw");
        settings.put("user.reader.home", "demo/sample");
        s = TestServer.start(tmp, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    static HttpResponse<String> send(String user, String method, String absPath, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + absPath.substring(1)))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", TestServer.basic(user, user));
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> demo(String method, String absPath, String body, String... headers) throws Exception {
        return send("demo", method, absPath, body, headers);
    }

    static MultiStatus.Resource props(String user, String absPath) throws Exception {
        HttpResponse<String> r = send(user, "PROPFIND", absPath, PROPS, "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body()).resources().get(0);
    }

    static String oc(MultiStatus.Resource r, String local) {
        MultiStatus.Prop p = r.prop("{" + OC + "}" + local);
        return p == null || p.status() != 200 ? null : p.text();
    }

    @Test
    void statusPhpSaysInstalledWithAVersionAndNeedsNoLogin() throws Exception {
        HttpResponse<String> r = send(null, "GET", "/status.php", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> j = MiniJson.object(r.body());
        assertThat(j.get("installed")).isEqualTo(true);
        assertThat(j.get("maintenance")).isEqualTo(false);
        assertThat((String) j.get("version")).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void capabilitiesAnswerJsonWhenAskedAndXmlOtherwise() throws Exception {
        HttpResponse<String> json = demo("GET", "/ocs/v1.php/cloud/capabilities?format=json", null, "OCS-APIREQUEST", "true");
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(json.body()).contains("\"statuscode\":100").contains("\"capabilities\"").contains("\"bigfilechunking\":true").contains("\"chunking\":\"1.0\"");

        HttpResponse<String> v2 = demo("GET", "/ocs/v2.php/cloud/capabilities", null, "Accept", "application/json");
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
        assertThat(v2.body()).contains("\"statuscode\":200");

        HttpResponse<String> xml = demo("GET", "/ocs/v1.php/cloud/capabilities", null);
        assertThat(xml.statusCode()).as(xml.body()).isEqualTo(200);
        assertThat(xml.headers().firstValue("Content-Type").orElse("")).startsWith("application/xml");
        assertThat(MultiStatus.xml(xml.body()).getDocumentElement().getTagName()).isEqualTo("ocs");
        assertThat(xml.body()).contains("<statuscode>100</statuscode>").contains("<supportedTypes><element>SHA1</element>");
    }

    @Test
    void cloudUserNamesTheLoginAndNeedsOne() throws Exception {
        HttpResponse<String> r = demo("GET", "/ocs/v1.php/cloud/user?format=json", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"id\":\"demo\"");
        HttpResponse<String> v2 = demo("GET", "/ocs/v2.php/cloud/user", null);
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
        assertThat(v2.body()).contains("<id>demo</id>");
        HttpResponse<String> anonymous = send(null, "GET", "/ocs/v1.php/cloud/user?format=json", null);
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    }

    @Test
    void bothFilePathsServeTheUsersHomeRepository() throws Exception {
        HttpResponse<String> r = demo("PROPFIND", "/remote.php/dav/files/demo/", PROPS, "Depth", "1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(MultiStatus.parse(r.body()).hrefs()).contains("/remote.php/dav/files/demo/", "/remote.php/dav/files/demo/README.md",
                "/remote.php/dav/files/demo/docs/");
        HttpResponse<String> w = demo("PROPFIND", "/remote.php/webdav/docs/", PROPS, "Depth", "1");
        assertThat(w.statusCode()).as(w.body()).isEqualTo(207);
        assertThat(MultiStatus.parse(w.body()).hrefs()).contains("/remote.php/webdav/docs/", "/remote.php/webdav/docs/welcome.txt");
        HttpResponse<String> get = demo("GET", "/remote.php/webdav/docs/welcome.txt", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("welcome\n");
    }

    @Test
    void everyItemHasAFileIdPermissionsAndASizeFoldersIncluded() throws Exception {
        demo("MKCOL", "/remote.php/webdav/sized", null);
        demo("PUT", "/remote.php/webdav/sized/a.txt", "12345");
        demo("MKCOL", "/remote.php/webdav/sized/sub", null);
        demo("PUT", "/remote.php/webdav/sized/sub/b.txt", "123");
        MultiStatus.Resource folder = props("demo", "/remote.php/dav/files/demo/sized/");
        assertThat(oc(folder, "size")).isEqualTo("8");
        assertThat(oc(folder, "permissions")).isEqualTo("GDNVCK");
        assertThat(oc(folder, "fileid")).matches("\\d+");
        assertThat(oc(folder, "id")).startsWith(String.format("%08d", Long.parseLong(oc(folder, "fileid")))).matches("\\d{8}oc[a-z0-9]+");
        MultiStatus.Resource file = props("demo", "/remote.php/dav/files/demo/sized/a.txt");
        assertThat(oc(file, "size")).isEqualTo("5");
        assertThat(oc(file, "permissions")).isEqualTo("GDNVW");
        assertThat(oc(file, "fileid")).isNotEqualTo(oc(folder, "fileid"));
        assertThat(oc(props("demo", "/remote.php/dav/files/demo/"), "permissions")).isEqualTo("GCK");
        // The same id through every mount: a MOVE through /dav must move what the sync clients see.
        assertThat(oc(props("demo", "/dav/demo/sample/sized/a.txt"), "fileid")).isEqualTo(oc(file, "fileid"));
        assertThat(oc(props("reader", "/remote.php/webdav/sized/a.txt"), "permissions")).isEqualTo("G");
    }

    @Test
    void aMoveKeepsTheFileIdAndANewFileNeverGetsAnOldOne() throws Exception {
        HttpResponse<String> put = demo("PUT", "/remote.php/webdav/moving.txt", "m");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        String id = oc(props("demo", "/remote.php/webdav/moving.txt"), "id");
        assertThat(put.headers().firstValue("OC-FileId")).contains(id);

        HttpResponse<String> mv = demo("MOVE", "/remote.php/webdav/moving.txt", null,
                "Destination", s.server.baseUrl() + "remote.php/webdav/moved.txt");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        assertThat(oc(props("demo", "/remote.php/webdav/moved.txt"), "id")).isEqualTo(id);
        assertThat(mv.headers().firstValue("OC-FileId")).contains(id);

        // A folder's members keep theirs too.
        demo("MKCOL", "/remote.php/dav/files/demo/f1", null);
        demo("PUT", "/remote.php/dav/files/demo/f1/in.txt", "i");
        String inner = oc(props("demo", "/remote.php/dav/files/demo/f1/in.txt"), "fileid");
        HttpResponse<String> mvDir = demo("MOVE", "/remote.php/dav/files/demo/f1", null,
                "Destination", s.server.baseUrl() + "remote.php/dav/files/demo/f2");
        assertThat(mvDir.statusCode()).as(mvDir.body()).isEqualTo(201);
        assertThat(oc(props("demo", "/remote.php/dav/files/demo/f2/in.txt"), "fileid")).isEqualTo(inner);

        // A copy and a file made where a deleted one was get new ids.
        HttpResponse<String> cp = demo("COPY", "/remote.php/webdav/moved.txt", null,
                "Destination", s.server.baseUrl() + "remote.php/webdav/copied.txt");
        assertThat(cp.statusCode()).as(cp.body()).isEqualTo(201);
        assertThat(oc(props("demo", "/remote.php/webdav/copied.txt"), "id")).isNotEqualTo(id);
        assertThat(demo("DELETE", "/remote.php/webdav/moved.txt", null).statusCode()).isEqualTo(204);
        demo("PUT", "/remote.php/webdav/moved.txt", "again");
        assertThat(oc(props("demo", "/remote.php/webdav/moved.txt"), "id")).isNotEqualTo(id);
    }

    @Test
    void aStaleIfMatchIs412HereAnd409OnDav() throws Exception {
        String old = demo("PUT", "/remote.php/webdav/raced.txt", "v1").headers().firstValue("ETag").orElseThrow();
        String cur = demo("PUT", "/remote.php/webdav/raced.txt", "v2").headers().firstValue("ETag").orElseThrow();
        int before = s.commitCount();
        HttpResponse<String> nc = demo("PUT", "/remote.php/dav/files/demo/raced.txt", "v3", "If-Match", old);
        assertThat(nc.statusCode()).as(nc.body()).isEqualTo(412);
        assertThat(nc.headers().firstValue("ETag")).contains(cur);
        assertThat(nc.body()).contains("<v:stale/>");
        HttpResponse<String> dav = demo("PUT", "/dav/demo/sample/raced.txt", "v3", "If-Match", old);
        assertThat(dav.statusCode()).as(dav.body()).isEqualTo(409);
        assertThat(s.commitCount()).isEqualTo(before);
        // Counted under their own front-end label.
        assertThat(send(null, "GET", "/metrics", null).body()).contains("davit_conflicts_total{frontend=\"sync\",case=\"stale\"}");
    }

    @Test
    void anUploadsMtimeIsAcceptedAndServedButNeverCommittedAsAFile() throws Exception {
        HttpResponse<String> r = demo("PUT", "/remote.php/webdav/timed.txt", "t", "X-OC-Mtime", "1700000000");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("X-OC-MTime")).contains("accepted");
        assertThat(props("demo", "/remote.php/webdav/timed.txt").text("getlastmodified")).isEqualTo("Tue, 14 Nov 2023 22:13:20 GMT");
        assertThat(Git.changedInHead(s)).containsExactly("timed.txt");
        assertThat(Git.files(s, "")).noneMatch(p -> p.contains(".davitprops"));
    }

    @Test
    void aUserWithoutAHomeSettingGetsNameFilesMadeOnFirstUse() throws Exception {
        HttpResponse<String> r = send("alice", "PROPFIND", "/remote.php/dav/files/alice/", PROPS, "Depth", "1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        HttpResponse<String> put = send("alice", "PUT", "/remote.php/webdav/hers.txt", "a");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(Files.isDirectory(s.dataDir.resolve("alice").resolve("files.git"))).isTrue();
        // Another user's files are not hers to read.
        HttpResponse<String> other = send("alice", "PROPFIND", "/remote.php/dav/files/demo/", PROPS, "Depth", "0");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(404);
    }

    @Test
    void nextcloudsChunkedUploadIsOneCommitOfTheWholeFileWhateverTheChunkOrder() throws Exception {
        int before = s.commitCount();
        String base = "/remote.php/dav/files/demo/big.bin-chunking-4711-3-";
        HttpResponse<String> c2 = demo("PUT", base + "2", "CC", "OC-Chunked", "1", "X-OC-Mtime", "1700000000");
        assertThat(c2.statusCode()).as(c2.body()).isEqualTo(201);
        assertThat(c2.headers().firstValue("ETag")).as("not complete yet: no ETag").isEmpty();
        HttpResponse<String> c0 = demo("PUT", base + "0", "AAAA", "OC-Chunked", "1", "X-OC-Mtime", "1700000000");
        assertThat(c0.statusCode()).as(c0.body()).isEqualTo(201);
        assertThat(s.commitCount()).as("chunks are never commits").isEqualTo(before);
        HttpResponse<String> c1 = demo("PUT", base + "1", "BBB", "OC-Chunked", "1", "X-OC-Mtime", "1700000000");
        assertThat(c1.statusCode()).as(c1.body()).isEqualTo(201);
        assertThat(c1.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId("AAAABBBCC")));
        assertThat(c1.headers().firstValue("X-OC-MTime")).contains("accepted");
        assertThat(c1.headers().firstValue("OC-FileId")).isPresent();
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(Git.changedInHead(s)).containsExactly("big.bin");
        assertThat(demo("GET", "/remote.php/webdav/big.bin", null).body()).isEqualTo("AAAABBBCC");
        assertThat(Git.files(s, "")).noneMatch(p -> p.contains("chunking"));
    }

    @Test
    void aChunkedUploadOverAStaleVersionIsRefusedAtItsFirstChunk() throws Exception {
        String old = demo("PUT", "/remote.php/webdav/chunked-raced.bin", "v1").headers().firstValue("ETag").orElseThrow();
        demo("PUT", "/remote.php/webdav/chunked-raced.bin", "v2");
        int before = s.commitCount();
        HttpResponse<String> r = demo("PUT", "/remote.php/webdav/chunked-raced.bin-chunking-99-2-0", "xx", "OC-Chunked", "1",
                "If-Match", old);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(412);
        HttpResponse<String> bad = demo("PUT", "/remote.php/webdav/chunked-raced.bin-chunking-99-2-2", "xx", "OC-Chunked", "1");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(s.commitCount()).isEqualTo(before);
    }
}
