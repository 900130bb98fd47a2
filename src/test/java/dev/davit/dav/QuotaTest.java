package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * RFC 4331 quota properties on collections (WebDAV libraries' free()/getQuota() fail without them), and the
 * optional per-repository size limit {@code limits.repository.bytes}: writes past it are 507 and change nothing.
 * The sample holds README.md (9 bytes) and docs/welcome.txt (8 bytes).
 */
class QuotaTest {
    private static final String QUOTA_PROPFIND = """
            <?xml version="1.0" encoding="utf-8"?>
            <D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>""";

    @TempDir
    Path tmp;
    TestServer s;

    @AfterEach
    void stop() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    private MultiStatus quota(String path, String depth) throws Exception {
        HttpResponse<String> r = s.send("PROPFIND", path, QUOTA_PROPFIND, "Depth", depth, "Content-Type", "application/xml");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body());
    }

    @Test
    void collectionsReportUsedAndAvailableWithinTheLimit() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.repository.bytes", "100"));
        MultiStatus ms = quota("", "1");
        MultiStatus.Resource root = ms.get("");
        assertThat(root.text("quota-used-bytes")).isEqualTo("17");
        assertThat(root.text("quota-available-bytes")).isEqualTo("83");
        // the quota is the repository's: a sub-collection shows the same figures; a file has none (404 propstat)
        assertThat(ms.get("docs/").text("quota-used-bytes")).isEqualTo("17");
        assertThat(ms.get("README.md").prop("quota-used-bytes").status()).isEqualTo(404);

        assertThat(s.put("docs/ten.txt", "0123456789").statusCode()).isEqualTo(201);
        assertThat(quota("docs/", "0").get("docs/").text("quota-used-bytes")).isEqualTo("27");
        assertThat(quota("", "0").get("").text("quota-available-bytes")).isEqualTo("73");
    }

    @Test
    void writesPastTheLimitAre507AndChangeNothing() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.repository.bytes", "100"));
        int commits = s.commitCount();
        HttpResponse<String> big = s.put("big.txt", "x".repeat(84));
        assertThat(big.statusCode()).as(big.body()).isEqualTo(507);
        assertThat(big.body()).contains("quota-not-exceeded");
        // a chunked body (no Content-Length) is measured as it arrives
        HttpRequest chunked = s.request("chunked.txt").PUT(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream("y".repeat(90).getBytes(StandardCharsets.UTF_8)))).build();
        HttpResponse<String> c = s.http.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(c.statusCode()).as(c.body()).isEqualTo(507);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("big.txt").statusCode()).isEqualTo(404);
        assertThat(s.get("chunked.txt").statusCode()).isEqualTo(404);

        // exactly up to the limit is fine; replacing a file counts only the difference
        assertThat(s.put("fits.txt", "z".repeat(83)).statusCode()).isEqualTo(201);
        assertThat(s.put("fits.txt", "z".repeat(70)).statusCode()).isEqualTo(204); // 87 used
        // a COPY adds the source's bytes again
        HttpResponse<String> copy = s.send("COPY", "fits.txt", null, "Destination", s.base() + "copy.txt");
        assertThat(copy.statusCode()).as(copy.body()).isEqualTo(507);
        assertThat(s.send("COPY", "README.md", null, "Destination", s.base() + "r2.md").statusCode()).isEqualTo(201);
        // a MOVE does not grow the repository
        assertThat(s.send("MOVE", "fits.txt", null, "Destination", s.base() + "moved.txt").statusCode()).isEqualTo(201);
    }

    @Test
    void withoutALimitAvailableIsTheDisksFreeSpaceAndWritesAreNotLimited() throws Exception {
        s = TestServer.start(tmp);
        MultiStatus.Resource root = quota("", "0").get("");
        assertThat(root.text("quota-used-bytes")).isEqualTo("17");
        assertThat(Long.parseLong(root.text("quota-available-bytes"))).isPositive();
        assertThat(s.put("big.txt", "x".repeat(1000)).statusCode()).isEqualTo(201);
    }

    @Test
    void allpropDoesNotListThemAndPropPatchCannotSetThem() throws Exception {
        s = TestServer.start(tmp);
        HttpResponse<String> all = s.send("PROPFIND", "", null, "Depth", "0");
        assertThat(all.statusCode()).isEqualTo(207);
        assertThat(all.body()).doesNotContain("quota-used-bytes"); // RFC 4331 §3: not in allprop
        HttpResponse<String> pp = s.send("PROPPATCH", "", """
                <?xml version="1.0" encoding="utf-8"?>
                <D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:quota-used-bytes>1</D:quota-used-bytes></D:prop></D:set></D:propertyupdate>""",
                "Content-Type", "application/xml");
        assertThat(pp.statusCode()).isEqualTo(207);
        assertThat(pp.body()).contains("403");
    }

    @Test
    void inProcessQuotaProperties() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.repository.bytes", "50"));
        String body = QUOTA_PROPFIND;
        String raw = "PROPFIND /dav/demo/sample/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("demo", "demo")
                + "\r\nDepth: 0\r\nContent-Type: application/xml\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n" + body;
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(207);
        assertThat(MultiStatus.parse(r.getContent()).get("").text("quota-available-bytes")).isEqualTo("33");
    }
}
