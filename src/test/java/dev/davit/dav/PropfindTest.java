package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** PROPFIND (RFC 4918 §9.1): Depth 0, 1 and a real infinity, and the live properties. */
class PropfindTest {
    static final String DEEP = "deep/l1/l2/l3/l4/l5/l6";

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        // deep/ with a folder and a file at each of 6 levels below it.
        String path = "";
        for (String seg : DEEP.split("/")) {
            path = path.isEmpty() ? seg : path + "/" + seg;
            HttpResponse<String> mk = Dav.mkcol(s, path);
            assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
            HttpResponse<String> put = s.put(path + "/file-" + seg + ".txt", seg);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Every folder and file below and including deep/, as decoded hrefs. */
    private static List<String> deepTree() {
        List<String> all = new ArrayList<>();
        String path = "";
        for (String seg : DEEP.split("/")) {
            path = path.isEmpty() ? seg : path + "/" + seg;
            all.add("/dav/demo/sample/" + path + "/");
            all.add("/dav/demo/sample/" + path + "/file-" + seg + ".txt");
        }
        return all;
    }

    @Test
    void depth0DescribesOnlyTheResource() throws Exception {
        MultiStatus ms = Dav.props(s, "deep/", "0");
        assertThat(ms.paths()).containsExactly("/dav/demo/sample/deep/");
    }

    @Test
    void depth1DescribesTheResourceAndItsMembers() throws Exception {
        MultiStatus ms = Dav.props(s, "deep/", "1");
        assertThat(ms.paths()).containsExactlyInAnyOrder("/dav/demo/sample/deep/", "/dav/demo/sample/deep/l1/",
                "/dav/demo/sample/deep/file-deep.txt");
    }

    @Test
    void depthInfinityReallyListsEveryLevel() throws Exception {
        MultiStatus ms = Dav.props(s, "deep/", "infinity");
        assertThat(ms.paths()).containsExactlyInAnyOrderElementsOf(deepTree());
        assertThat(ms.get(DEEP + "/file-l6.txt").text("getcontentlength")).isEqualTo("2");
    }

    @Test
    void noDepthHeaderMeansInfinity() throws Exception {
        MultiStatus ms = Dav.props(s, "deep/", null);
        assertThat(ms.paths()).containsExactlyInAnyOrderElementsOf(deepTree());
    }

    @Test
    void badDepthIs400() throws Exception {
        for (String depth : List.of("2", "one", "-1")) {
            HttpResponse<String> r = Dav.propfind(s, "deep/", depth);
            assertThat(r.statusCode()).as("Depth: " + depth + " -> " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        }
    }

    @Test
    void malformedXmlBodyIs400() throws Exception {
        HttpResponse<String> r = s.send("PROPFIND", "deep/", "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:propfind>",
                "Depth", "0", "Content-Type", "application/xml");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
    }

    @Test
    void aFileHasTheLiveProperties() throws Exception {
        s.put("live.txt", "hello live");
        MultiStatus.Resource f = Dav.props(s, "live.txt", "0").get("live.txt");
        assertThat(f).isNotNull();
        assertThat(f.text("getcontentlength")).isEqualTo("10");
        assertThat(f.text("getcontenttype")).startsWith("text/plain");
        assertThat(f.text("displayname")).isEqualTo("live.txt");
        assertThat(f.text("getetag")).isEqualTo(Git.quoted(Git.blobId("hello live")));
        assertThat(f.prop("resourcetype")).isNotNull();
        assertThat(f.prop("resourcetype").status()).isEqualTo(200);
        assertThat(f.isCollection()).isFalse();
        assertThat(f.text("creationdate")).isNotBlank();
        ZonedDateTime.parse(f.text("creationdate"), DateTimeFormatter.ISO_DATE_TIME);
        ZonedDateTime.parse(f.text("getlastmodified"), DateTimeFormatter.RFC_1123_DATE_TIME);
    }

    @Test
    void aFolderHasTheLivePropertiesOfACollection() throws Exception {
        MultiStatus.Resource d = Dav.props(s, "deep/", "0").get("deep/");
        assertThat(d.isCollection()).isTrue();
        assertThat(d.text("displayname")).isEqualTo("deep");
        assertThat(d.text("getetag")).isEqualTo(Git.quoted(Git.id(s, "deep")));
        assertThat(d.text("creationdate")).isNotBlank();
        assertThat(d.text("getlastmodified")).isNotBlank();
    }

    @Test
    void propRequestAnswers404ForUnknownProperties() throws Exception {
        String body = "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:prop><D:getetag/><Z:nothing/></D:prop></D:propfind>";
        HttpResponse<String> r = s.send("PROPFIND", "README.md", body, "Depth", "0", "Content-Type", "application/xml");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        MultiStatus.Resource f = MultiStatus.parse(r.body()).get("README.md");
        assertThat(f.prop("getetag").status()).isEqualTo(200);
        assertThat(f.prop("{urn:z}nothing").status()).isEqualTo(404);
    }

    @Test
    void propfindOfAMissingResourceIs404() throws Exception {
        HttpResponse<String> r = Dav.propfind(s, "nothing-here/", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
    }

    @Test
    void anEmptyBodyIsAllprop() throws Exception {
        HttpResponse<String> r = s.send("PROPFIND", "README.md", null, "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        MultiStatus.Resource f = MultiStatus.parse(r.body()).get("README.md");
        assertThat(f.text("getetag")).isEqualTo(Git.quoted(Git.blobId("# sample\n")));
        assertThat(f.text("getcontentlength")).isEqualTo("9");
    }

    /** The handler remembers parsed bodies: a body asked again, or one that differs in a name, gets its own answer. */
    @Test
    void aRememberedBodyAnswersOnlyForTheSameBytes() throws Exception {
        s.put("remembered.txt", "remembered");
        String etagOnly = "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop></D:propfind>";
        String lengthOnly = etagOnly.replace("getetag", "getcontentlength");
        for (int round = 0; round < 2; round++) {
            for (String body : List.of(etagOnly, lengthOnly)) {
                HttpResponse<String> r = s.send("PROPFIND", "remembered.txt", body, "Depth", "0",
                        "Content-Type", "application/xml");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
                MultiStatus.Resource f = MultiStatus.parse(r.body()).get("remembered.txt");
                boolean etag = body.equals(etagOnly);
                assertThat(f.prop("getetag") != null).as(r.body()).isEqualTo(etag);
                assertThat(f.prop("getcontentlength") != null).as(r.body()).isEqualTo(!etag);
            }
            HttpResponse<String> bad = s.send("PROPFIND", "remembered.txt", etagOnly.replace("</D:prop>", ""), "Depth", "0",
                    "Content-Type", "application/xml");
            assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        }
    }
}
