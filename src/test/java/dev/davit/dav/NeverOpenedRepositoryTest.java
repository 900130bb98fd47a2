package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.OutsideHistory;
import dev.davit.testutil.TestServer;

/**
 * A repository made outside while the server runs (as git fast-import or a push of a long history makes one) and
 * never opened by it: its first requests are answered while its last-modified index is built in the background
 * (storage.BackgroundIndexBuildTest), with the times the index gives: {@code Last-Modified}, {@code getlastmodified}
 * and {@code creationdate} are those of the commits that last changed and created each path, the same before the
 * index is built as after. One already there when the server starts has its index built from the start, before
 * any request asks for it.
 */
class NeverOpenedRepositoryTest {
    @TempDir
    Path tmp;

    private static final String LAST_MODIFIED = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propfind xmlns:D=\"DAV:\">"
            + "<D:prop><D:getlastmodified/><D:getetag/></D:prop></D:propfind>";

    private static HttpResponse<String> send(TestServer s, String method, String path, String depth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "dav/demo/hist/" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (depth != null) {
            b.header("Depth", depth).header("Content-Type", "application/xml; charset=utf-8");
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Path (relative to the repository) to its last-modified time in seconds, from a Depth 1 listing. */
    private static Map<String, Long> listed(TestServer s, String folder, String body, String property) throws Exception {
        HttpResponse<String> r = send(s, "PROPFIND", folder, "1", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        Map<String, Long> out = new HashMap<>();
        for (MultiStatus.Resource res : MultiStatus.parse(r.body()).resources()) {
            String v = res.text(property);
            long t = property.equals("creationdate") ? OffsetDateTime.parse(v).toEpochSecond()
                    : ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
            out.put(res.path().substring("/dav/demo/hist/".length()), t);
        }
        return out;
    }

    private static long lastModifiedHeader(TestServer s, String path) throws Exception {
        HttpResponse<String> r = send(s, "GET", path, null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ZonedDateTime.parse(r.headers().firstValue("Last-Modified").orElseThrow(),
                DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    }

    @Test
    void aHistoryMadeOutsideIsDatedByItsCommitsFromTheFirstRequestOn() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            try (OutsideHistory h = new OutsideHistory(s.dataDir.resolve("demo/hist.git"))) {
                ObjectId base = h.commit(1_000_000, Map.of("old.txt", "o", "top.txt", "t", "docs/a.txt", "a", "docs/b.txt", "b"));
                // a line merged in: what changed before the merge only the index tells (the request waits for it)
                ObjectId side = h.commitOn(base, 1_000_050, Map.of("old.txt", "o-side"));
                h.merge(1_000_060, side, Map.of("old.txt", "o-side"));
                for (int i = 0; i < 50; i++) {
                    h.commit(1_000_100 + i, Map.of("docs/a.txt", "a" + i));
                }
                h.commit(1_000_300, Map.of("docs/b.txt", "b2"));
                h.commit(1_000_400, Map.of("top.txt", "t2"));
            }
            Map<String, Long> docs = Map.of("docs/", 1_000_300L, "docs/a.txt", 1_000_149L, "docs/b.txt", 1_000_300L);

            // the first requests: a file and a folder's listing, told by the last commits
            assertThat(lastModifiedHeader(s, "top.txt")).isEqualTo(1_000_400);
            assertThat(listed(s, "docs/", LAST_MODIFIED, "getlastmodified")).isEqualTo(docs);
            // the root's creation is behind the merge, and old.txt changed at the merge (as its first parent shows it)
            assertThat(listed(s, "", null, "creationdate")).isEqualTo(Map.of("", 1_000_000L, "old.txt", 1_000_000L,
                    "top.txt", 1_000_000L, "docs/", 1_000_000L));
            assertThat(listed(s, "", LAST_MODIFIED, "getlastmodified")).isEqualTo(Map.of("", 1_000_400L,
                    "old.txt", 1_000_060L, "top.txt", 1_000_400L, "docs/", 1_000_300L));
            // and the same once the index answers
            assertThat(lastModifiedHeader(s, "top.txt")).isEqualTo(1_000_400);
            assertThat(listed(s, "docs/", LAST_MODIFIED, "getlastmodified")).isEqualTo(docs);
        }
    }

    @Test
    void aRepositoryThereAtTheStartHasItsIndexBuiltAndStoredBeforeAnyRequest() throws Exception {
        Path gitDir = tmp.resolve("data/demo/hist.git");
        try (OutsideHistory h = new OutsideHistory(gitDir)) {
            h.commit(1_000_000, Map.of("docs/a.txt", "a", "docs/b.txt", "b"));
            for (int i = 0; i < 50; i++) {
                h.commit(1_000_100 + i, Map.of("docs/a.txt", "a" + i));
            }
        }
        try (TestServer s = TestServer.start(tmp)) {
            // no request names the repository: its index is built and stored all the same
            dev.davit.testutil.Conditions.await("the index of demo/hist stored", java.util.concurrent.TimeUnit.SECONDS.toNanos(30),
                    () -> java.nio.file.Files.isRegularFile(gitDir.resolve("davit-lastmodified")));
            assertThat(listed(s, "docs/", LAST_MODIFIED, "getlastmodified"))
                    .isEqualTo(Map.of("docs/", 1_000_149L, "docs/a.txt", 1_000_149L, "docs/b.txt", 1_000_000L));
        }
    }
}
