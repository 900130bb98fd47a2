package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * The lean GET/HEAD of a small file at the head ({@link HeadFileGet}) answers exactly what the full path
 * answers: a read of the same commit by {@code ?rev=} (which always takes the full path) gives the same
 * status, headers and body, with every header that decides something (Range, If-Range, If-None-Match,
 * If-Modified-Since, If-Match). What it remembers never outlives what it describes: a new head, a file moved
 * away without a commit, a client's time set without a commit. Refusals stay refusals.
 */
class HeadFileGetTest {
    static final String CONTENT = "0123456789abcdefghij"; // 20 bytes
    static final List<String> COMPARED = List.of("ETag", "X-Revision", "Last-Modified", "Content-Type", "Content-Length",
            "Accept-Ranges", "Content-Range");

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.alice.password", "alice", "user.alice.access", "alice/*:rw"));
        HttpResponse<String> put = s.put("lean.txt", CONTENT);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static String[] headers(String spec) {
        return spec.isEmpty() ? new String[0] : spec.split("\\|", -1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "GET;",
            "HEAD;",
            "GET;Range|bytes=2-5",
            "HEAD;Range|bytes=2-5",
            "GET;Range|bytes=-3",
            "GET;Range|bytes=50-60",
            "GET;Range|bytes=0-1,5-6",
            "GET;Range|bytes=2-5|If-Range|\"0000000000000000000000000000000000000000\"",
            "GET;If-None-Match|*",
            "GET;If-None-Match|\"0000000000000000000000000000000000000000\"",
            "GET;If-Modified-Since|Tue, 14 Nov 2023 22:13:20 GMT",
            "GET;If-Modified-Since|Fri, 01 Jan 2100 00:00:00 GMT",
            "GET;If-Match|\"0000000000000000000000000000000000000000\"",
            "GET;If-Match|*",
    })
    void answersAsTheFullPathDoes(String method, String spec) throws Exception {
        String head = s.head();
        s.get("lean.txt"); // the first read fills what the lean path remembers; compare the second
        HttpResponse<String> lean = s.send(method, "lean.txt", null, headers(spec == null ? "" : spec));
        HttpResponse<String> full = s.send(method, "lean.txt?rev=" + head, null, headers(spec == null ? "" : spec));
        assertThat(lean.statusCode()).as(lean.body()).isEqualTo(full.statusCode());
        for (String h : COMPARED) {
            assertThat(lean.headers().firstValue(h)).as(h).isEqualTo(full.headers().firstValue(h));
        }
        assertThat(withoutDate(lean.headers().map())).isEqualTo(withoutDate(full.headers().map()));
        assertThat(lean.body()).isEqualTo(full.body());
        assertThat(lean.headers().firstValue("X-Revision")).contains(head);
    }

    private static Map<String, List<String>> withoutDate(Map<String, List<String>> headers) {
        Map<String, List<String>> m = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        m.putAll(headers);
        m.remove("Date");
        return m;
    }

    /** Names that arrive percent-encoded (a space, a literal '%', UTF-8) read the same by either path. */
    @ParameterizedTest
    @CsvSource({"a%20b%25.txt", "gr%C3%B6%C3%9Fe.txt", "docs/x%2By.md"})
    void anEncodedNameAnswersAsTheFullPathDoes(String encoded) throws Exception {
        HttpResponse<String> put = s.put(encoded, "encoded " + encoded);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        s.get(encoded);
        HttpResponse<String> lean = s.get(encoded);
        HttpResponse<String> full = s.get(encoded + "?rev=" + s.head());
        assertThat(lean.statusCode()).as(lean.body()).isEqualTo(200);
        assertThat(withoutDate(lean.headers().map())).isEqualTo(withoutDate(full.headers().map()));
        assertThat(lean.body()).isEqualTo("encoded " + encoded);
    }

    /**
     * Reads racing writes of the same file: every answer is one version whole, its ETag that of its body and
     * its X-Revision a commit where the file had that content (what the head's table remembers never mixes
     * two heads).
     */
    @Test
    void readsDuringWritesAnswerOneVersionWhole() throws Exception {
        s.put("raced.txt", "version 0");
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ConcurrentLinkedQueue<HttpResponse<String>> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int r = 0; r < 2; r++) {
                done.add(readers.submit(() -> {
                    while (writing.get()) {
                        HttpResponse<String> g = s.get("raced.txt");
                        assertThat(g.statusCode()).as(g.body()).isEqualTo(200);
                        seen.add(g);
                    }
                    return null;
                }));
            }
            for (int v = 1; v <= 30; v++) {
                HttpResponse<String> put = s.put("raced.txt", "version " + v + " " + "x".repeat(v));
                assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
            }
            writing.set(false);
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            readers.shutdownNow();
        }
        assertThat(seen).isNotEmpty();
        java.util.Map<String, String> etagAt = new java.util.HashMap<>();
        for (HttpResponse<String> g : seen) {
            String etag = g.headers().firstValue("ETag").orElseThrow();
            assertThat(etag).as(g.body()).isEqualTo(Git.quoted(Git.blobId(g.body())));
            assertThat(g.headers().firstValue("Content-Length")).contains(Integer.toString(g.body().length()));
            String rev = g.headers().firstValue("X-Revision").orElseThrow();
            String then = etagAt.computeIfAbsent(rev, r -> {
                try {
                    return s.send("HEAD", "raced.txt?rev=" + r, null).headers().firstValue("ETag").orElse("none");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(etag).as("the file at " + rev).isEqualTo(then);
        }
    }

    /** The plain GET skips the filters (PlainGetHandler) but is counted as they count it. */
    @Test
    void plainGetsAreCountedInTheMetrics() throws Exception {
        s.get("lean.txt");
        long before = counted("GET", 200);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = s.get("lean.txt");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(s.send("HEAD", "lean.txt", null).statusCode()).isEqualTo(200);
        assertThat(counted("GET", 200) - before).isEqualTo(5);
    }

    private static long counted(String method, int status) throws Exception {
        HttpResponse<String> m = s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        String prefix = "davit_requests_total{frontend=\"dav\",method=\"" + method + "\",status=\"" + status + "\"} ";
        return m.body().lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length()).trim()))
                .findFirst().orElse(0);
    }

    /** A good password remembered lets that password in, not another one for the same name. */
    @Test
    void aWrongPasswordAfterGoodOnesIsStill401() throws Exception {
        assertThat(s.get("lean.txt").statusCode()).isEqualTo(200);
        assertThat(s.get("lean.txt").statusCode()).isEqualTo(200);
        HttpResponse<String> wrong = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "lean.txt"))
                .header("Authorization", TestServer.basic("demo", "wrong")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        assertThat(wrong.body()).doesNotContain(CONTENT);
    }

    @Test
    void theFilesOwnEtagAnswers304AndHeadHasNoBody() throws Exception {
        String etag = Git.quoted(Git.blobId(CONTENT));
        s.get("lean.txt");
        HttpResponse<String> r = s.get("lean.txt", "If-None-Match", etag);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(304);
        assertThat(r.headers().firstValue("ETag")).contains(etag);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        HttpResponse<String> head = s.send("HEAD", "lean.txt", null);
        assertThat(head.statusCode()).as(head.body()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length")).contains("20");
        HttpResponse<String> since = s.get("lean.txt", "If-Modified-Since", head.headers().firstValue("Last-Modified").orElseThrow());
        assertThat(since.statusCode()).as(since.body()).isEqualTo(304);
        HttpResponse<String> ifMatch = s.get("lean.txt", "If-Match", "\"0000000000000000000000000000000000000000\"");
        assertThat(ifMatch.statusCode()).as(ifMatch.body()).isEqualTo(412);
    }

    @Test
    void aNewHeadIsReadAtOnce() throws Exception {
        s.put("changing.txt", "one");
        assertThat(s.get("changing.txt").body()).isEqualTo("one");
        HttpResponse<String> put = s.put("changing.txt", "two, longer");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        HttpResponse<String> r = s.get("changing.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("two, longer");
        assertThat(r.headers().firstValue("ETag")).contains(Git.quoted(Git.blobId("two, longer")));
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        HttpResponse<String> del = s.send("DELETE", "changing.txt", null);
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);
        assertThat(s.get("changing.txt").statusCode()).isEqualTo(404);
    }

    /** Word moves the open document onto {@code ~WRL0001.tmp} (no commit): the head is the same, the file gone. */
    @Test
    void aFileMovedAwayWithoutACommitIsGoneAtOnce() throws Exception {
        s.put("away.docx", "document");
        assertThat(s.get("away.docx").statusCode()).isEqualTo(200);
        String head = s.head();
        HttpResponse<String> move = s.send("MOVE", "away.docx", null, "Destination", s.base() + "~WRL0001.tmp");
        assertThat(move.statusCode()).as(move.body()).isEqualTo(201);
        assertThat(s.head()).as("moved aside without a commit").isEqualTo(head);
        HttpResponse<String> r = s.get("away.docx");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        HttpResponse<String> back = s.send("MOVE", "~WRL0001.tmp", null, "Destination", s.base() + "away.docx");
        assertThat(back.statusCode()).as(back.body()).isIn(201, 204);
        assertThat(s.get("away.docx").body()).isEqualTo("document");
    }

    /** rclone and the ownCloud clients send the same bytes with a new X-OC-Mtime: no commit, a new Last-Modified. */
    @Test
    void aClientsTimeSetWithoutACommitIsShownAtOnce() throws Exception {
        s.put("timed.txt", "same");
        assertThat(s.get("timed.txt").statusCode()).isEqualTo(200);
        HttpResponse<String> put = s.put("timed.txt", "same", "X-OC-Mtime", "1700000000");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        HttpResponse<String> r = s.get("timed.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Last-Modified")).contains("Tue, 14 Nov 2023 22:13:20 GMT");
    }

    @Test
    void refusalsStayRefusals() throws Exception {
        s.get("README.md");
        String root = s.base().substring(0, s.base().length() - "demo/sample/".length());
        HttpResponse<String> anonymous = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "README.md")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
        HttpResponse<String> alice = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "README.md"))
                .header("Authorization", TestServer.basic("alice", "alice")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(alice.statusCode()).as("a repository alice may not read does not exist for her: " + alice.body()).isEqualTo(404);
        assertThat(alice.body()).doesNotContain("# sample");
        for (String bad : List.of("demo/sample/.git/config", "demo/sample/%2e%2e/sample/README.md", "demo/sample/docs/%2e%2e/README.md")) {
            HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(URI.create(root + bad))
                    .header("Authorization", TestServer.basic("demo", "demo")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(bad + " -> " + r.body()).isBetween(400, 404);
            assertThat(r.body()).doesNotContain("# sample");
        }
        HttpResponse<String> slash = s.get("README.md/");
        HttpResponse<String> slashFull = s.get("README.md/?rev=" + s.head());
        assertThat(slash.statusCode()).as(slash.body()).isEqualTo(slashFull.statusCode());
    }
}
