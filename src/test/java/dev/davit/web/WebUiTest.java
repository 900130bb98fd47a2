package dev.davit.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** The web page at /ui/: folders, a file's history with author and date, diffs, downloads, rights. */
class WebUiTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.stranger.password", "stranger", "user.stranger.access", "other/*:r"));
        assertThat(s.put("docs/page.txt", "one\ntwo\n").statusCode()).isEqualTo(201);
        assertThat(s.put("docs/page.txt", "one\n<b>three</b>\n").statusCode()).isEqualTo(204);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    static HttpResponse<String> ui(String path, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "ui/" + path));
        if (user != null) {
            b.header("Authorization", TestServer.basic(user, user));
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void browseHistoryDiffDownload() throws Exception {
        HttpResponse<String> root = ui("demo/sample/", "demo");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).contains("README.md", "href=\"/ui/demo/sample/tree/docs/\"");
        HttpResponse<String> docs = ui("demo/sample/tree/docs/", "demo");
        assertThat(docs.body()).contains("href=\"/ui/demo/sample/history/docs/page.txt\"");

        HttpResponse<String> history = ui("demo/sample/history/docs/page.txt", "demo");
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(history.body()).contains("PUT docs/page.txt", "class=\"author\">demo<", " UTC");
        Matcher diffLink = Pattern.compile("href=\"(/ui/demo/sample/diff/docs/page.txt\\?from=[0-9a-f]{40}&amp;to=[0-9a-f]{40})\"")
                .matcher(history.body());
        assertThat(diffLink.find()).isTrue();
        HttpResponse<String> diff = ui(diffLink.group(1).substring(4).replace("&amp;", "&"), "demo");
        assertThat(diff.statusCode()).isEqualTo(200);
        // Content from the repository is escaped, never markup.
        assertThat(diff.body()).contains("-two", "+&lt;b&gt;three&lt;/b&gt;").doesNotContain("<b>three</b>");

        Matcher download = Pattern.compile("href=\"(/ui/demo/sample/raw/[0-9a-f]{40}/docs/page.txt)\"").matcher(history.body());
        download.find();
        download.find(); // the older version
        HttpResponse<String> old = ui(download.group(1).substring(4), "demo");
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.body()).isEqualTo("one\ntwo\n");
        assertThat(old.headers().firstValue("Content-Disposition").orElse("")).contains("attachment", "page.txt");
    }

    @Test
    void sameRightsAsWebDav() throws Exception {
        assertThat(ui("demo/sample/", null).statusCode()).isEqualTo(401);
        assertThat(ui("demo/sample/", "reader").statusCode()).isEqualTo(200);
        assertThat(ui("demo/sample/", "stranger").statusCode()).isEqualTo(404);
        assertThat(ui("demo/nope/", "demo").statusCode()).isEqualTo(404);
        assertThat(ui("demo/sample/history/nope.txt", "demo").statusCode()).isEqualTo(404);
        assertThat(ui("demo/sample/tree/..%2F..%2Fetc/", "demo").statusCode()).isIn(400, 404);
    }
}
