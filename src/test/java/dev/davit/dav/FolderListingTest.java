package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * GET on a folder answers an HTML index in Apache's shape with every member's size and date, which
 * mirroring clients (lftp, wget) parse; names are escaped.
 */
class FolderListingTest {
    /** One row: link, name, date (yyyy-MM-dd HH:mm) and size, as a mirroring client reads it. */
    private static final Pattern ROW = Pattern.compile(
            "<tr><td><a href=\"([^\"]+)\">([^<]+)</a></td><td align=\"right\"><time datetime=\"[^\"]+\">(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d)</time></td>"
                    + "<td align=\"right\">(-|\\d+)</td></tr>");

    @TempDir
    Path tmp;
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    @Test
    void rowsCarrySizesAndDates() throws Exception {
        assertThat(s.put("docs/a%20%26%20b.txt", "twelve bytes").statusCode()).isEqualTo(201);
        String day = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochSecond(Git.commitTime(s, s.head())));
        HttpResponse<String> r = s.get("docs/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        Matcher m = ROW.matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        assertThat(m.group(2)).isEqualTo("a &amp; b.txt");
        assertThat(m.group(1)).isEqualTo("/dav/demo/sample/docs/a%20%26%20b.txt");
        assertThat(m.group(3)).isEqualTo(day);
        assertThat(m.group(4)).isEqualTo("12");
        assertThat(m.find()).isTrue();
        assertThat(m.group(2)).isEqualTo("welcome.txt");
        assertThat(m.group(4)).isEqualTo("8");
        assertThat(r.body()).contains("Parent Directory");

        Matcher root = ROW.matcher(s.get("").body());
        assertThat(root.find()).isTrue();
        assertThat(root.group(2)).isEqualTo("README.md");
        assertThat(root.find()).isTrue();
        assertThat(root.group(2)).isEqualTo("docs/");
        assertThat(root.group(4)).isEqualTo("-");
    }

    @Test
    void inProcessListing() throws Exception {
        String raw = "GET /dav/demo/sample/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("demo", "demo")
                + "\r\nConnection: close\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).isEqualTo(200);
        Matcher m = ROW.matcher(r.getContent());
        assertThat(m.find()).as(r.getContent()).isTrue();
        assertThat(m.group(4)).isEqualTo("9");
    }
}
