package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.davit.testutil.Api;
import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.RawHttp;
import dev.davit.testutil.TestServer;

/**
 * Hostile input (issue 7), what PathSafetyTest, CopyMoveTest, PropfindTest, LockTest, IfHeaderTest and
 * RangeAndConditionalGetTest do not try already: the remaining traversal spellings on WebDAV, the same
 * spellings on REST and git, malformed Destination, malformed / XXE / entity-expansion XML bodies on
 * PROPFIND, PROPPATCH and LOCK, malformed If, Depth and Timeout, odd Range, oversized headers, NFC and
 * NFD over REST. Each is a 4xx (or the documented harmless answer) and changes nothing: same commit
 * count, same tree. The list, one for one, is interop/SECURITY-TESTS.md.
 */
class HostileInputTest {
    static final String XXE_PASSWD = "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n";
    static final String XXE_PARAM = "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n";
    static final String LAUGHS = "<?xml version=\"1.0\"?>\n<!DOCTYPE l [<!ENTITY a \"lollollollollollollollollollol\">"
            + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
            + "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
            + "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
            + "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>\n";

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        assertThat(s.put("hostile.txt", "original\n").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Runs {@code request}, checks its status is one of {@code allowed} and that no commit was made and the tree is the same. */
    static RawHttp.Response unchanged(RequestCall request, Integer... allowed) throws Exception {
        int before = s.commitCount();
        String tree = Git.id(s, "");
        RawHttp.Response r = request.call();
        assertThat(r.status()).as("status, body: %s", r.body()).isIn((Object[]) allowed);
        assertThat(s.commitCount()).as("commits").isEqualTo(before);
        assertThat(Git.id(s, "")).as("tree").isEqualTo(tree);
        assertThat(r.body()).as("no file content leaks").doesNotContain("root:x:0:0");
        return r;
    }

    interface RequestCall {
        RawHttp.Response call() throws Exception;
    }

    static RawHttp.Response raw(String method, String target, String body, String... headers) throws Exception {
        return RawHttp.send(s, method, target, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    // ---------------------------------------------------------------- paths

    @ParameterizedTest(name = "WebDAV {0}")
    @ValueSource(strings = {
        "/dav/demo/sample/.%2e/x.txt",
        "/dav/demo/sample/%2e./x.txt",
        "/dav/demo/sample/docs/.%2E/.%2E/x.txt",
        "/dav/demo/sample/%2E%2E",
        "/dav/demo/sample/a%c0%afb.txt",
        "/dav/demo/sample/%c0%ae%c0%ae%c0%afx.txt",
        "/dav/demo/sample/%e0%80%ae%e0%80%ae/x.txt",
        "/dav/demo/sample/a\\b.txt",
        "/dav/demo/sample/..\\x.txt",
        "/dav/demo/sample/..;/x.txt",
        "/dav/demo/sample/%2e%2e%5cx.txt",
        "/dav/demo/sample/x%00.txt",
        "/dav/demo/sample/%zz.txt",
        "/dav/demo/sample/a%2.txt",
        "/dav/demo/sample/%ff%fe.txt",
        "/dav/demo/sample/%ed%a0%80.txt",
    })
    void traversalSpellingsOnWebDavAre400(String target) throws Exception {
        unchanged(() -> raw("PUT", target, "pwned"), 400);
        unchanged(() -> raw("GET", target, null), 400);
        unchanged(() -> raw("MKCOL", target, null), 400);
        unchanged(() -> raw("DELETE", target, null), 400);
    }

    @ParameterizedTest(name = "WebDAV reserved {0}")
    @ValueSource(strings = {
        "/dav/demo/sample/.git/HEAD",
        "/dav/demo/sample/%2egit/config",
        "/dav/demo/sample/%2EGiT/config",
        "/dav/demo/sample/.git%20%20/config",
        "/dav/demo/sample/.davitprops.hostile.txt",
        "/dav/demo/sample/%2edavitkeep",
    })
    void reservedNamesInEncodedSpellingsAre403(String target) throws Exception {
        unchanged(() -> raw("PUT", target, "pwned"), 403);
        unchanged(() -> raw("GET", target, null), 403);
        unchanged(() -> raw("PROPFIND", target, null, "Depth", "0"), 403);
    }

    static final String REST = "/api/repos/demo/sample/contents/";
    static final String REST_BODY = "{\"message\":\"pwn\",\"content\":\"cHduZWQ=\"}";

    @ParameterizedTest(name = "REST {0}")
    @ValueSource(strings = {
        "../x.txt",
        "docs/../../x.txt",
        "%2e%2e/x.txt",
        "%2E%2E/x.txt",
        ".%2e/x.txt",
        "docs%2f..%2fx.txt",
        "a%5cb.txt",
        "a\\b.txt",
        "a%00b.txt",
        "%c0%ae%c0%ae/x.txt",
        "a%c0%afb.txt",
        "..;/x.txt",
    })
    void traversalSpellingsOnRestAre400(String path) throws Exception {
        unchanged(() -> raw("PUT", REST + path, REST_BODY, "Content-Type", "application/json"), 400);
        unchanged(() -> raw("GET", REST + path, null), 400);
        unchanged(() -> raw("DELETE", REST + path, "{\"message\":\"pwn\",\"sha\":\"" + Git.id(s, "hostile.txt") + "\"}",
                "Content-Type", "application/json"), 400);
    }

    @ParameterizedTest(name = "REST reserved {0}")
    @ValueSource(strings = {".git/config", "%2egit/HEAD", ".GIT./x", "git~1/config", ".davitkeep", "docs/.davitprops.welcome.txt"})
    void reservedNamesOnRestAre403(String path) throws Exception {
        unchanged(() -> raw("PUT", REST + path, REST_BODY, "Content-Type", "application/json"), 403);
        unchanged(() -> raw("GET", REST + path, null), 403);
    }

    @ParameterizedTest(name = "git {0}")
    @ValueSource(strings = {
        "/git/demo/sample.git/../../x",
        "/git/demo/sample.git/%2e%2e/%2e%2e/x",
        "/git/demo/..%2f..%2fetc/passwd",
        "/git/demo/sample.git/..%5c..%5cconfig",
        "/git/demo/%2e%2e/sample.git/info/refs?service=git-upload-pack",
        "/git/demo/sample.git/objects/../config",
        "/git/demo/sample.git/config",
        "/git/demo/sample.git/hooks/pre-receive",
    })
    void traversalOnGitIs4xxAndLeaksNothing(String target) throws Exception {
        RawHttp.Response r = unchanged(() -> raw("GET", target, null), 400, 403, 404);
        assertThat(r.body()).doesNotContain("[core]").doesNotContain("repositoryformatversion");
        unchanged(() -> raw("POST", target, "0000", "Content-Type", "application/x-git-receive-pack-request"), 400, 403, 404, 405);
    }

    // ---------------------------------------------------------------- Destination

    @ParameterizedTest(name = "Destination {0}")
    @ValueSource(strings = {
        "not a url",
        "http://[::1/dav/demo/sample/x.txt",
        "http://127.0.0.1:PORT/dav/demo/sample/%zz.txt",
        "http://127.0.0.1:PORT/dav/demo/sample/a%2",
        "http://127.0.0.1:PORT/dav/demo/sample/%ff.txt",
        "/dav/demo/sample/x%00.txt",
        "",
    })
    void aMalformedDestinationIs400(String dest) throws Exception {
        String d = dest.replace("PORT", String.valueOf(s.server.port()));
        unchanged(() -> raw("COPY", "/dav/demo/sample/hostile.txt", null, "Destination", d), 400);
        unchanged(() -> raw("MOVE", "/dav/demo/sample/hostile.txt", null, "Destination", d), 400);
    }

    @ParameterizedTest(name = "Destination {0}")
    @ValueSource(strings = {
        "http://elsewhere.example/dav/demo/sample/x.txt",
        "http://127.0.0.2:PORT/dav/demo/sample/x.txt",
        "http://127.0.0.1:1/dav/demo/sample/x.txt",
        "http://127.0.0.1:PORT/not-dav/x.txt",
    })
    void aDestinationOnAnotherHostIs502(String dest) throws Exception {
        String d = dest.replace("PORT", String.valueOf(s.server.port()));
        unchanged(() -> raw("COPY", "/dav/demo/sample/hostile.txt", null, "Destination", d), 502);
        unchanged(() -> raw("MOVE", "/dav/demo/sample/hostile.txt", null, "Destination", d), 502);
    }

    // ---------------------------------------------------------------- XML bodies

    static final String[] MALFORMED_XML = {
        "this is not xml",
        "<D:propfind xmlns:D=\"DAV:\"><D:prop>",
        "<a></b>",
        "<D:x xmlns:D=\"DAV:\"/><D:y xmlns:D=\"DAV:\"/>",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\u0000<a/>",
        "<undeclared:prefix/>",
        "<?xml version=\"1.0\" encoding=\"ISO-2022-XX\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
        "<?xml version=\"9.9\"?><a/>",
        "\u00ef\u00bb<a/>",
    };

    @ParameterizedTest(name = "{0} body #{1}")
    @CsvSource({"PROPFIND, 0", "PROPFIND, 1", "PROPFIND, 2", "PROPFIND, 3", "PROPFIND, 4", "PROPFIND, 5", "PROPFIND, 6", "PROPFIND, 7",
        "PROPFIND, 8", "PROPFIND, 9", "PROPPATCH, 0", "PROPPATCH, 1", "PROPPATCH, 2", "PROPPATCH, 3", "PROPPATCH, 4", "PROPPATCH, 5",
        "PROPPATCH, 6", "PROPPATCH, 7", "PROPPATCH, 8", "PROPPATCH, 9", "LOCK, 0", "LOCK, 1", "LOCK, 2", "LOCK, 3", "LOCK, 4", "LOCK, 5",
        "LOCK, 6", "LOCK, 7", "LOCK, 8", "LOCK, 9"})
    void malformedXmlBodiesAre400(String method, int which) throws Exception {
        String body = MALFORMED_XML[which];
        RawHttp.Response r = unchanged(() -> RawHttp.send(s, method, "/dav/demo/sample/hostile.txt", body.getBytes(StandardCharsets.ISO_8859_1),
                "Content-Type", "application/xml", "Depth", "0"), 400);
        assertThat(r.header("Lock-Token")).as("no lock from %s", body).isEmpty();
    }

    @Test
    void aMalformedLockBodyOnAnUnmappedUrlCreatesNothing() throws Exception {
        unchanged(() -> raw("LOCK", "/dav/demo/sample/hostile-new.txt", "<D:lockinfo", "Content-Type", "application/xml"), 400);
        assertThat(s.get("hostile-new.txt").statusCode()).isEqualTo(404);
    }

    static String wellFormedBody(String method, String inside) {
        return switch (method) {
            case "PROPFIND" -> "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname>" + inside + "</D:displayname></D:prop></D:propfind>";
            case "PROPPATCH" -> "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><x:leak xmlns:x=\"urn:x\">" + inside
                    + "</x:leak></D:prop></D:set></D:propertyupdate>";
            default -> "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
                    + "<D:owner>" + inside + "</D:owner></D:lockinfo>";
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PROPFIND", "PROPPATCH", "LOCK"})
    void xxeIs400AndLeaksNothing(String method) throws Exception {
        for (String prolog : List.of(XXE_PASSWD, XXE_PARAM)) {
            String body = prolog + wellFormedBody(method, "&x;");
            RawHttp.Response r = unchanged(() -> raw(method, "/dav/demo/sample/hostile.txt", body,
                    "Content-Type", "application/xml", "Depth", "0"), 400);
            assertThat(r.body()).doesNotContain("root:").doesNotContain("/bin/");
            assertThat(r.header("Lock-Token")).isEmpty();
        }
        // Nothing was stored that a later read could leak.
        HttpResponse<String> all = Dav.propfind(s, "hostile.txt", "0");
        assertThat(all.body()).doesNotContain("root:").doesNotContain("leak");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PROPFIND", "PROPPATCH", "LOCK"})
    void entityExpansionIs400AndFast(String method) throws Exception {
        String body = LAUGHS + wellFormedBody(method, "&i;");
        long t0 = System.nanoTime();
        unchanged(() -> raw(method, "/dav/demo/sample/hostile.txt", body, "Content-Type", "application/xml", "Depth", "0"), 400);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("billion laughs refused in ms").isLessThan(2_000);
        assertThat(s.get("hostile.txt").statusCode()).as("server still answers").isEqualTo(200);
    }

    // ---------------------------------------------------------------- headers

    @ParameterizedTest(name = "If: {0}")
    @ValueSource(strings = {"garbage", "(<opaquelocktoken:a>", "<http://x/>", "()", "(Not)", "([\"etag\"", "(<a>) <http://x> (<b>)", "Not (<a>)"})
    void aMalformedIfIs400OnEveryWrite(String ifHeader) throws Exception {
        unchanged(() -> raw("PUT", "/dav/demo/sample/hostile.txt", "changed", "If", ifHeader), 400);
        unchanged(() -> raw("DELETE", "/dav/demo/sample/hostile.txt", null, "If", ifHeader), 400);
        unchanged(() -> raw("PROPPATCH", "/dav/demo/sample/hostile.txt", Dav.setProps("<x:p xmlns:x=\"urn:x\">v</x:p>"),
                "If", ifHeader, "Content-Type", "application/xml"), 400);
        unchanged(() -> raw("MOVE", "/dav/demo/sample/hostile.txt", null, "If", ifHeader,
                "Destination", "/dav/demo/sample/hostile-moved.txt"), 400);
    }

    @ParameterizedTest(name = "{0} Depth: {1}")
    @CsvSource({"PROPFIND, 2", "PROPFIND, one", "PROPFIND, -1", "PROPFIND, infinity infinity", "LOCK, 1", "LOCK, 2", "LOCK, zero"})
    void aMalformedDepthIs400(String method, String depth) throws Exception {
        String body = method.equals("LOCK") ? wellFormedBody("LOCK", "x") : Dav.ALLPROP;
        RawHttp.Response r = unchanged(() -> raw(method, "/dav/demo/sample/docs/", body, "Content-Type", "application/xml",
                "Depth", depth), 400);
        assertThat(r.header("Lock-Token")).isEmpty();
    }

    @ParameterizedTest(name = "Timeout: {0}")
    @ValueSource(strings = {"Tomorrow", "Second-abc", "Second--5", "Second-", "Minute-5", ",", "Second-99999999999999999999999"})
    void aMalformedTimeoutIs400(String timeout) throws Exception {
        RawHttp.Response r = unchanged(() -> raw("LOCK", "/dav/demo/sample/hostile.txt", wellFormedBody("LOCK", "x"),
                "Content-Type", "application/xml", "Depth", "0", "Timeout", timeout), 400);
        assertThat(r.header("Lock-Token")).isEmpty();
    }

    @ParameterizedTest(name = "Range: {0}")
    @ValueSource(strings = {"bytes=abc", "bytes=5-2", "chars=0-1", "bytes=", "bytes=--1", "bytes=0-1,,", "bytes=-0x1"})
    void aMalformedRangeIsIgnored(String range) throws Exception {
        RawHttp.Response r = unchanged(() -> raw("GET", "/dav/demo/sample/hostile.txt", null, "Range", range), 200);
        assertThat(r.body()).isEqualTo("original\n");
    }

    @ParameterizedTest(name = "Range: {0}")
    @ValueSource(strings = {"bytes=9-", "bytes=100-200", "bytes=999999999999-"})
    void anUnsatisfiableRangeIs416(String range) throws Exception {
        RawHttp.Response r = unchanged(() -> raw("GET", "/dav/demo/sample/hostile.txt", null, "Range", range), 416);
        assertThat(r.header("Content-Range")).contains("bytes */9");
    }

    @Test
    void aHeaderLargerThan16KiBIs431() throws Exception {
        String big = "a".repeat(17 * 1024);
        unchanged(() -> raw("PUT", "/dav/demo/sample/hostile-big-header.txt", "x", "X-Big", big), 431);
        unchanged(() -> raw("GET", "/api/repos/demo/sample/contents/hostile.txt", null, "X-Big", big), 431);
        unchanged(() -> raw("GET", "/dav/demo/sample/hostile.txt", null, "If", "(<" + big + ">)"), 431);
        assertThat(s.get("hostile-big-header.txt").statusCode()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- Unicode

    @Test
    void nfcAndNfdReachTheSameFileOverRestToo() throws Exception {
        String nfc = Normalizer.normalize("h\u00f4tel-\u00e9t\u00e9.txt", Normalizer.Form.NFC);
        String nfd = Normalizer.normalize(nfc, Normalizer.Form.NFD);
        assertThat(nfd).isNotEqualTo(nfc);
        assertThat(s.put(Dav.enc(nfd), "written as NFD\n").statusCode()).isEqualTo(201);
        Api api = new Api(s);
        HttpResponse<String> viaNfc = api.get("/contents/" + Dav.enc(nfc));
        HttpResponse<String> viaNfd = api.get("/contents/" + Dav.enc(nfd));
        assertThat(viaNfc.statusCode()).as(viaNfc.body()).isEqualTo(200);
        assertThat(viaNfd.statusCode()).as(viaNfd.body()).isEqualTo(200);
        assertThat(Api.json(viaNfd).get("sha").asText()).isEqualTo(Api.json(viaNfc).get("sha").asText());
        assertThat(Api.json(viaNfd).get("path").asText()).isEqualTo(nfc);
        // A REST write in NFC updates the same file, not a look-alike twin.
        HttpResponse<String> put = api.putFile(Dav.enc(nfc), "updated as NFC\n", Api.json(viaNfc).get("sha").asText());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(s.get(Dav.enc(nfd)).body()).isEqualTo("updated as NFC\n");
        assertThat(Git.files(s, "").stream().filter(n -> Normalizer.normalize(n, Normalizer.Form.NFC).equals(nfc)))
                .as("one file, stored in NFC").containsExactly(nfc);
    }
}
