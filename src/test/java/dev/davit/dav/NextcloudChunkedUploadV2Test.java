package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.LockStoreContract.MutableClock;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Nextcloud's chunked upload v2 and ownCloud's chunking NG as nextcloudcmd 3.7 and owncloudcmd 2.11 send it
 * (MKCOL /remote.php/dav/uploads/{user}/{transfer}, chunk PUTs named by zero-padded number or offset, PROPFIND
 * to resume, MOVE .file with OC-Total-Length and the old ETag in an If header), against the real server:
 * one commit for the whole file, nothing for an abandoned upload, a limit on the set, 412 when stale.
 */
class NextcloudChunkedUploadV2Test {
    static final String UP = "/remote.php/dav/uploads/";
    static final String FILES = "/remote.php/dav/files/demo/";
    static final long LIMIT = 100_000;

    @TempDir
    static Path tmp;
    static TestServer s;
    static final MutableClock clock = new MutableClock(Instant.now());

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("user.demo.home", "demo/sample");
        settings.put("user.alice.password", "alice");
        settings.put("user.alice.access", "*:rw");
        settings.put("limits.body.bytes", Long.toString(LIMIT));
        settings.put("uploads.abandoned.hours", "24");
        s = TestServer.start(tmp, settings, clock);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    static HttpResponse<String> send(String user, String method, String absPath, byte[] body, String... headers) throws Exception {
        return send(s, user, method, absPath, body, headers);
    }

    /** A request as {@code user} (password = name) to an absolute path of {@code s}. */
    static HttpResponse<String> send(TestServer s, String user, String method, String absPath, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + absPath.substring(1)))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", TestServer.basic(user, user));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> demo(String method, String absPath, byte[] body, String... headers) throws Exception {
        return send("demo", method, absPath, body, headers);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String dest(String name) {
        return s.server.baseUrl() + FILES.substring(1) + name;
    }

    static void upload(String transfer, String... chunkNamesAndContents) throws Exception {
        HttpResponse<String> mk = demo("MKCOL", UP + "demo/" + transfer, null);
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        for (int i = 0; i < chunkNamesAndContents.length; i += 2) {
            HttpResponse<String> put = demo("PUT", UP + "demo/" + transfer + "/" + chunkNamesAndContents[i], utf8(chunkNamesAndContents[i + 1]));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        }
    }

    static List<String> chunkNames(String user, String transfer) throws Exception {
        HttpResponse<String> r = send(user, "PROPFIND", UP + user + "/" + transfer, utf8(
                "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/><d:getcontentlength/></d:prop></d:propfind>"),
                "Depth", "1");
        if (r.statusCode() == 404) {
            return null;
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body()).resources().stream().filter(x -> !x.isCollection())
                .map(x -> x.href().substring(x.href().lastIndexOf('/') + 1)).toList();
    }

    @Test
    void capabilitiesAnnounceChunkingV2TheWayTheClientsCheckIt() throws Exception {
        HttpResponse<String> r = demo("GET", "/ocs/v1.php/cloud/capabilities?format=json", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // Capabilities::chunkingNg(): dav.chunking >= "1.0"; ownCloud's also files.bigfilechunking (true).
        assertThat(r.body()).contains("\"dav\":{\"chunking\":\"1.0\"}").contains("\"bigfilechunking\":true");
    }

    @Test
    void chunksSentOutOfOrderBecomeOneCommitOfTheWholeFileAtTheFinalMove() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> mk = demo("MKCOL", UP + "demo/1001", null, "Destination", dest("big.bin"), "OC-Total-Length", "15");
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        for (String[] c : new String[][] {{"0000000000000010", "three"}, {"0000000000000000", "one--"}, {"0000000000000005", "two--"}}) {
            HttpResponse<String> put = demo("PUT", UP + "demo/1001/" + c[0], utf8(c[1]), "OC-Chunk-Offset", "0", "OC-Total-Length", "15");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        }
        assertThat(chunkNames("demo", "1001")).containsExactly("0000000000000000", "0000000000000005", "0000000000000010");
        assertThat(s.commitCount()).as("chunks commit nothing").isEqualTo(before);

        HttpResponse<String> mv = demo("MOVE", UP + "demo/1001/.file", null, "Destination", dest("big.bin"),
                "OC-Total-Length", "15", "X-OC-Mtime", "1600000000");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        assertThat(mv.headers().firstValue("OC-FileId")).isPresent();
        assertThat(mv.headers().firstValue("X-OC-MTime")).hasValue("accepted");
        assertThat(mv.headers().firstValue("OC-ETag")).hasValue(Git.quoted(Git.blobId("one--two--three")));
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("PUT big.bin");
        assertThat(new String(Git.bytes(s, "big.bin"), StandardCharsets.UTF_8)).isEqualTo("one--two--three");
        assertThat(chunkNames("demo", "1001")).as("the upload folder is gone").isNull();
        HttpResponse<String> get = demo("GET", FILES + "big.bin", null);
        assertThat(get.headers().firstValue("Last-Modified")).hasValue("Sun, 13 Sep 2020 12:26:40 GMT");
        // git clone shows the file, nothing of the upload
        assertThat(Git.files(s, "")).noneMatch(f -> f.contains("1001") || f.contains(".file"));
    }

    @Test
    void anAbandonedUploadCommitsNothingAndIsDeletedAfterTheSetTime() throws Exception {
        int before = s.commitCount();
        upload("2002", "00001", "half a file");
        assertThat(chunkNames("demo", "2002")).containsExactly("00001");
        clock.advance(Duration.ofHours(23));
        upload("2003"); // another upload's MKCOL looks for abandoned ones: 2002 is 23 h old, kept
        assertThat(chunkNames("demo", "2002")).containsExactly("00001");
        clock.advance(Duration.ofHours(2));
        upload("2004");
        assertThat(chunkNames("demo", "2002")).as("untouched for 25 h: deleted").isNull();
        assertThat(chunkNames("demo", "2003")).as("2 h old").isEmpty();
        assertThat(s.commitCount()).isEqualTo(before);
        try (var walk = Files.walk(s.dataDir.resolve("demo"))) {
            assertThat(walk.noneMatch(p -> p.getFileName().toString().contains("2002"))).isTrue();
        }
    }

    @Test
    void aChunkSetPastTheBodyLimitIsRefusedAndCommitsNothing() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> declared = demo("MKCOL", UP + "demo/3001", null, "OC-Total-Length", Long.toString(LIMIT + 1));
        assertThat(declared.statusCode()).as(declared.body()).isEqualTo(413);
        upload("3002");
        byte[] big = new byte[(int) (LIMIT * 6 / 10)];
        Arrays.fill(big, (byte) 'x');
        HttpResponse<String> first = demo("PUT", UP + "demo/3002/00001", big);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> second = demo("PUT", UP + "demo/3002/00002", big);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(413);
        assertThat(second.body()).contains("too-large");
        assertThat(chunkNames("demo", "3002")).containsExactly("00001");
        HttpResponse<String> mv = demo("MOVE", UP + "demo/3002/.file", null, "Destination", dest("toobig.bin"),
                "OC-Total-Length", Long.toString(2L * big.length));
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(400);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void aFinalMoveWithAStaleVersionIs412AndKeepsTheServersFileAndTheChunks() throws Exception {
        HttpResponse<String> v1 = demo("PUT", FILES + "shared.bin", utf8("first"));
        assertThat(v1.statusCode()).as(v1.body()).isEqualTo(201);
        String old = v1.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> v2 = demo("PUT", FILES + "shared.bin", utf8("someone else's"));
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(204);
        int before = s.commitCount();
        upload("4001", "00001", "mine");
        // owncloudcmd and nextcloudcmd move their If-Match into an If header on the destination.
        HttpResponse<String> viaIf = demo("MOVE", UP + "demo/4001/.file", null, "Destination", dest("shared.bin"),
                "OC-Total-Length", "4", "If", "<" + FILES + "shared.bin> ([" + old + "])");
        assertThat(viaIf.statusCode()).as(viaIf.body()).isEqualTo(412);
        assertThat(viaIf.headers().firstValue("X-Revision")).isPresent();
        HttpResponse<String> viaIfMatch = demo("MOVE", UP + "demo/4001/.file", null, "Destination", dest("shared.bin"),
                "OC-Total-Length", "4", "If-Match", old);
        assertThat(viaIfMatch.statusCode()).as(viaIfMatch.body()).isEqualTo(412);
        assertThat(viaIfMatch.body()).contains("stale");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(new String(Git.bytes(s, "shared.bin"), StandardCharsets.UTF_8)).isEqualTo("someone else's");
        assertThat(chunkNames("demo", "4001")).as("the chunks stay for a retry").containsExactly("00001");
        String current = v2.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> ok = demo("MOVE", UP + "demo/4001/.file", null, "Destination", dest("shared.bin"),
                "OC-Total-Length", "4", "If", "<" + FILES + "shared.bin> ([" + current + "])");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        assertThat(new String(Git.bytes(s, "shared.bin"), StandardCharsets.UTF_8)).isEqualTo("mine");
        assertThat(s.commitCount()).isEqualTo(before + 1);
    }

    @Test
    void anotherUsersUploadFoldersAreRefusedAndUntouched() throws Exception {
        upload("5001", "00001", "demo's");
        for (String method : List.of("PROPFIND", "MKCOL", "DELETE")) {
            HttpResponse<String> r = send("alice", method, UP + "demo/5001", null, "Depth", "1");
            assertThat(r.statusCode()).as(method + " " + r.body()).isEqualTo(403);
        }
        HttpResponse<String> put = send("alice", "PUT", UP + "demo/5001/00002", utf8("alice's"));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(403);
        HttpResponse<String> mv = send("alice", "MOVE", UP + "demo/5001/.file", null, "Destination",
                s.server.baseUrl() + "remote.php/dav/files/alice/stolen.bin");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(403);
        // alice's own folder of the same number is another folder
        HttpResponse<String> own = send("alice", "PROPFIND", UP + "alice/5001", null, "Depth", "1");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(404);
        assertThat(chunkNames("demo", "5001")).containsExactly("00001");
    }

    @Test
    void deleteOfTheUploadFolderAbortsIt() throws Exception {
        int before = s.commitCount();
        upload("6001", "00001", "a", "00002", "b");
        HttpResponse<String> del = demo("DELETE", UP + "demo/6001", null);
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);
        assertThat(chunkNames("demo", "6001")).isNull();
        HttpResponse<String> mv = demo("MOVE", UP + "demo/6001/.file", null, "Destination", dest("aborted.bin"));
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(404);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void aChunkIntoAnUploadThatWasNeverMadeIs409() throws Exception {
        HttpResponse<String> put = demo("PUT", UP + "demo/7001/00001", utf8("x"));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(409);
    }

    /** The in-process tier: the whole stack through Jetty's LocalConnector, raw HTTP as the clients send it. */
    @Test
    void theWholeUploadThroughRawHttpInProcess() throws Exception {
        int before = s.commitCount();
        String auth = "Authorization: " + TestServer.basic("demo", "demo");
        assertThat(raw("MKCOL " + UP + "demo/8001 HTTP/1.1\n" + auth, null).getStatus()).isEqualTo(201);
        assertThat(raw("PUT " + UP + "demo/8001/0000000000000001 HTTP/1.1\n" + auth, "world").getStatus()).isEqualTo(201);
        assertThat(raw("PUT " + UP + "demo/8001/0000000000000000 HTTP/1.1\n" + auth, "hello ").getStatus()).isEqualTo(201);
        HttpTester.Response other = raw("PROPFIND " + UP + "demo/8001 HTTP/1.1\nDepth: 1\nAuthorization: "
                + TestServer.basic("alice", "alice"), null);
        assertThat(other.getStatus()).as(other.getContent()).isEqualTo(403);
        HttpTester.Response mv = raw("MOVE " + UP + "demo/8001/.file HTTP/1.1\n" + auth + "\nDestination: http://localhost"
                + FILES + "inproc.txt\nOC-Total-Length: 11", null);
        assertThat(mv.getStatus()).as(mv.getContent()).isEqualTo(201);
        assertThat(mv.get("X-Revision")).isNotNull();
        assertThat(new String(Git.bytes(s, "inproc.txt"), StandardCharsets.UTF_8)).isEqualTo("hello world");
        assertThat(s.commitCount()).isEqualTo(before + 1);
    }

    static HttpTester.Response raw(String head, String body) throws Exception {
        StringBuilder req = new StringBuilder(head.replace("\n", "\r\n")).append("\r\nHost: localhost\r\nConnection: close\r\n");
        req.append("Content-Length: ").append(body == null ? 0 : body.length()).append("\r\n\r\n");
        if (body != null) {
            req.append(body);
        }
        return HttpTester.parseResponse(s.server.localConnector().getResponse(req.toString()));
    }
}
