package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/** The read-only .history tree: commit folders, versions by path, writes refused, restore by COPY. */
class HistoryViewTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static final String PREFIX = "/dav/demo/sample/";

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        assertThat(s.put("h.txt", "v1\n").statusCode()).isEqualTo(201);
        assertThat(s.put("h.txt", "v2\n").statusCode()).isEqualTo(204);
        assertThat(s.put("h.txt", "v3\n").statusCode()).isEqualTo(204);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Decoded hrefs of a multistatus, relative to the repository. */
    static List<String> hrefs(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<D:href>([^<]*)</D:href>").matcher(r.body());
        while (m.find()) {
            String h = URLDecoder.decode(m.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
            out.add(h.startsWith(PREFIX) ? h.substring(PREFIX.length()) : h);
        }
        return out;
    }

    static String enc(String path) {
        StringBuilder sb = new StringBuilder();
        for (String seg : path.split("/", -1)) {
            if (sb.length() > 0 || path.startsWith("/")) {
                sb.append('/');
            }
            sb.append(java.net.URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }

    static String shortHead() throws Exception {
        return s.head().substring(0, 7);
    }

    @Test
    void commitsAreFoldersHoldingTheWholeTree() throws Exception {
        List<String> top = hrefs(s.send("PROPFIND", ".history/", null, "Depth", "1"));
        assertThat(top).contains(".history/", ".history/by-path/");
        String head = shortHead();
        String newest = top.stream().filter(h -> h.contains(" " + head + " ")).findFirst().orElseThrow();
        assertThat(newest).matches("\\.history/\\d{4}-\\d{2}-\\d{2} \\d{4} [0-9a-f]{7} PUT h\\.txt/");
        assertThat(top.stream().filter(h -> h.endsWith("PUT h.txt/")).count()).isEqualTo(3);
        assertThat(top.stream().filter(h -> h.contains("Import")).count()).isEqualTo(1);

        // Listed newest first (within one minute the names alone do not order them).
        List<String> puts = top.stream().filter(h -> h.endsWith("PUT h.txt/")).toList();
        String first = puts.get(puts.size() - 1);
        HttpResponse<String> v1 = s.get(enc(first + "h.txt"));
        assertThat(v1.statusCode()).isEqualTo(200);
        assertThat(v1.body()).isEqualTo("v1\n");
        assertThat(v1.headers().firstValue("ETag")).hasValue(Git.quoted(Git.blobId("v1\n")));

        List<String> inside = hrefs(s.send("PROPFIND", enc(first), null, "Depth", "infinity"));
        assertThat(inside).contains(first, first + "h.txt", first + "docs/", first + "docs/welcome.txt", first + "README.md");
        assertThat(s.get(enc(first)).body()).contains("h.txt");
    }

    @Test
    void byPathListsTheVersionsOfAFile() throws Exception {
        List<String> root = hrefs(s.send("PROPFIND", ".history/by-path/", null, "Depth", "1"));
        assertThat(root).contains(".history/by-path/h.txt/", ".history/by-path/docs/");
        assertThat(hrefs(s.send("PROPFIND", ".history/by-path/docs/", null, "Depth", "1"))).contains(".history/by-path/docs/welcome.txt/");

        HttpResponse<String> versions = s.send("PROPFIND", ".history/by-path/h.txt/", null, "Depth", "1");
        List<String> names = hrefs(versions).stream().filter(h -> !h.endsWith("/")).toList();
        assertThat(names).hasSize(3).allMatch(h -> h.matches("\\.history/by-path/h\\.txt/\\d{4}-\\d{2}-\\d{2} \\d{4} [0-9a-f]{7} h\\.txt"));
        assertThat(versions.body()).contains("<D:getcontentlength>3</D:getcontentlength>");
        List<String> bodies = new ArrayList<>();
        for (String n : names) {
            bodies.add(s.get(enc(n)).body());
        }
        assertThat(bodies).containsExactlyInAnyOrder("v1\n", "v2\n", "v3\n");
        assertThat(s.get(".history/by-path/nope.txt/").statusCode()).isEqualTo(404);
    }

    @Test
    void writesThereAreRefusedAndNothingIsCommitted() throws Exception {
        int before = s.commitCount();
        assertThat(s.put(".history/x.txt", "no").statusCode()).isEqualTo(403);
        assertThat(s.put(".history/by-path/h.txt", "no").statusCode()).isEqualTo(403);
        assertThat(s.send("MKCOL", ".history/new/", null).statusCode()).isEqualTo(403);
        assertThat(s.send("DELETE", ".history/by-path/h.txt/", null).statusCode()).isEqualTo(403);
        assertThat(s.send("PROPPATCH", ".history/", "<x/>").statusCode()).isEqualTo(403);
        assertThat(s.send("COPY", "h.txt", null, "Destination", s.base() + ".history/h.txt").statusCode()).isEqualTo(403);
        assertThat(s.send("MOVE", "h.txt", null, "Destination", s.base() + ".history/h.txt").statusCode()).isEqualTo(403);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(Git.files(s, "")).noneMatch(p -> p.startsWith(".history"));
        assertThat(hrefs(s.send("PROPFIND", "", null, "Depth", "infinity"))).noneMatch(h -> h.contains(".history"));
        assertThat(s.send("PROPFIND", ".history/", null, "Depth", "infinity").statusCode()).isEqualTo(403);
    }

    @Test
    void aCopyFromThePastRestoresInOneCommit() throws Exception {
        assertThat(s.put("r.txt", "old\n").statusCode()).isEqualTo(201);
        String oldShort = shortHead();
        assertThat(s.put("r.txt", "new\n").statusCode()).isEqualTo(204);
        String version = hrefs(s.send("PROPFIND", ".history/by-path/r.txt/", null, "Depth", "1")).stream()
                .filter(h -> h.contains(" " + oldShort + " ")).findFirst().orElseThrow();
        int before = s.commitCount();
        HttpResponse<String> copy = s.send("COPY", enc(version), null, "Destination", s.base() + "r.txt");
        assertThat(copy.statusCode()).as(copy.body()).isEqualTo(204);
        assertThat(s.get("r.txt").body()).isEqualTo("old\n");
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("Restore r.txt from " + oldShort);
        assertThat(copy.headers().firstValue("X-Revision")).hasValue(s.head());

        // A whole folder from a commit folder, to a new name.
        String commitFolder = hrefs(s.send("PROPFIND", ".history/", null, "Depth", "1")).stream()
                .filter(h -> h.contains(" " + oldShort + " ")).findFirst().orElseThrow();
        HttpResponse<String> folder = s.send("COPY", enc(commitFolder + "docs/"), null, "Destination", s.base() + "docs-restored/");
        assertThat(folder.statusCode()).as(folder.body()).isEqualTo(201);
        assertThat(s.get("docs-restored/welcome.txt").body()).isEqualTo("welcome\n");
        assertThat(s.commitMessages().get(0)).isEqualTo("Restore docs from " + oldShort + " to docs-restored");
        // Overwrite: F onto an existing file is 412, as for any COPY.
        assertThat(s.send("COPY", enc(version), null, "Destination", s.base() + "r.txt", "Overwrite", "F").statusCode()).isEqualTo(412);
        // A reader may look but not restore.
        assertThat(s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.base() + enc(version)))
                .header("Authorization", TestServer.basic("reader", "reader"))
                .header("Destination", s.base() + "r2.txt").method("COPY", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }
}
