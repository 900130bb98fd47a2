package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.RawHttp;
import dev.davit.testutil.TestServer;

/**
 * Versions on the wire: ETag is the quoted git object id (blob for a file, tree for a folder),
 * X-Revision is the head of main on every response under a repository, and getlastmodified is the
 * time of the last commit that touched the path.
 */
class EtagAndRevisionTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void aFilesEtagIsItsBlobIdOnPutGetHeadAndPropfind() throws Exception {
        byte[] bytes = "blob bytes\n\u0000\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        String etag = Git.quoted(Git.blobId(bytes));
        HttpResponse<byte[]> put = s.sendBytes("PUT", "e.bin", bytes);
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("ETag")).contains(etag);
        assertThat(s.get("e.bin").headers().firstValue("ETag")).contains(etag);
        assertThat(s.send("HEAD", "e.bin", null).headers().firstValue("ETag")).contains(etag);
        assertThat(Dav.props(s, "e.bin", "0").get("e.bin").text("getetag")).isEqualTo(etag);
        assertThat(Git.id(s, "e.bin")).isEqualTo(Git.blobId(bytes));
    }

    @Test
    void aFoldersEtagIsItsTreeIdAndChangesWhenAFileBelowChanges() throws Exception {
        Dav.mkcol(s, "t");
        Dav.mkcol(s, "t/u");
        s.put("t/u/f.txt", "one");
        String tree1 = Git.id(s, "t");
        assertThat(Dav.props(s, "t/", "0").get("t/").text("getetag")).isEqualTo(Git.quoted(tree1));
        assertThat(s.get("t/").headers().firstValue("ETag")).contains(Git.quoted(tree1));

        s.put("t/u/f.txt", "two");
        String tree2 = Git.id(s, "t");
        assertThat(tree2).isNotEqualTo(tree1);
        assertThat(Dav.props(s, "t/", "0").get("t/").text("getetag")).isEqualTo(Git.quoted(tree2));
        assertThat(Dav.props(s, "t/u/", "0").get("t/u/").text("getetag")).isEqualTo(Git.quoted(Git.id(s, "t/u")));
        assertThat(s.get("t/").headers().firstValue("ETag")).contains(Git.quoted(tree2));
    }

    @Test
    void xRevisionIsTheHeadOnReadsAndTheNewCommitOnWrites() throws Exception {
        HttpResponse<String> get = s.get("README.md");
        assertThat(get.headers().firstValue("X-Revision")).contains(s.head());
        HttpResponse<String> pf = Dav.propfind(s, "", "1");
        assertThat(pf.headers().firstValue("X-Revision")).contains(s.head());
        String before = s.head();
        HttpResponse<String> put = s.put("rev.txt", "r");
        assertThat(s.head()).isNotEqualTo(before);
        assertThat(put.headers().firstValue("X-Revision")).contains(s.head());
    }

    @Test
    void xRevisionIsOnErrorResponses() throws Exception {
        String head = s.head();
        HttpResponse<String> notFound = s.get("no-such-file.txt");
        assertThat(notFound.statusCode()).as(notFound.body()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("X-Revision")).as("404").contains(head);

        HttpResponse<String> conflict = s.put("no-such-folder/x.txt", "x");
        assertThat(conflict.statusCode()).as(conflict.body()).isEqualTo(409);
        assertThat(conflict.headers().firstValue("X-Revision")).as("409").contains(head);

        HttpResponse<String> badDepth = Dav.propfind(s, "", "2");
        assertThat(badDepth.statusCode()).as(badDepth.body()).isEqualTo(400);
        assertThat(badDepth.headers().firstValue("X-Revision")).as("400").contains(head);

        HttpResponse<String> exists = Dav.mkcol(s, "docs");
        assertThat(exists.statusCode()).as(exists.body()).isEqualTo(405);
        assertThat(exists.headers().firstValue("X-Revision")).as("405 MKCOL").contains(head);

        HttpResponse<String> pastPut = s.put("README.md?rev=" + head, "x");
        assertThat(pastPut.statusCode()).as(pastPut.body()).isEqualTo(405);
        assertThat(pastPut.headers().firstValue("X-Revision")).as("405 ?rev=").contains(head);

        HttpResponse<String> post = s.send("POST", "README.md", null);
        assertThat(post.statusCode()).as(post.body()).isEqualTo(405);
        assertThat(post.headers().firstValue("X-Revision")).as("405 POST").contains(head);

        HttpResponse<String> bareLock = s.send("LOCK", "README.md", null);
        assertThat(bareLock.statusCode()).as(bareLock.body()).isEqualTo(400);
        assertThat(bareLock.headers().firstValue("X-Revision")).as("400 LOCK refresh without If").contains(head);

        HttpResponse<String> readOnly = s.http.send(s.request("README.md").setHeader("Authorization", TestServer.basic("reader", "reader"))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(readOnly.statusCode()).as(readOnly.body()).isEqualTo(403);
        assertThat(readOnly.headers().firstValue("X-Revision")).as("403 read-only").contains(head);

        HttpResponse<String> stale = s.put("README.md", "x", "If-Match", "\"0000000000000000000000000000000000000000\"");
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
        assertThat(stale.headers().firstValue("X-Revision")).as("409 stale").contains(head);
        assertThat(s.head()).isEqualTo(head);
    }

    /** Paths the server refuses are still under the repository: the answer names its revision. */
    @ParameterizedTest
    @CsvSource({
        "/dav/demo/sample/.git/config, 403",
        "/dav/demo/sample/docs/.davitkeep, 403",
        "/dav/demo/sample/../x.txt, 400",
        "/dav/demo/sample/a%5Cb.txt, 400",
        "/dav/demo/sample/%2e%2e/x.txt, 400",
    })
    void xRevisionIsOnRefusedPaths(String raw, int status) throws Exception {
        String head = s.head();
        RawHttp.Response r = RawHttp.send(s, "GET", raw, null);
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("X-Revision")).as(status + " for " + raw).contains(head);
    }

    @Test
    void getlastmodifiedIsTheTimeOfTheLastCommitThatTouchedThePath() throws Exception {
        Dav.mkcol(s, "lm");
        HttpResponse<String> putA = s.put("lm/a.txt", "a");
        String commitA = putA.headers().firstValue("X-Revision").orElseThrow();
        String lmA = Dav.props(s, "lm/a.txt", "0").get("lm/a.txt").text("getlastmodified");
        assertThat(ZonedDateTime.parse(lmA, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond()).isEqualTo(Git.commitTime(s, commitA));

        Thread.sleep(1100);
        HttpResponse<String> putB = s.put("lm/b.txt", "b");
        String commitB = putB.headers().firstValue("X-Revision").orElseThrow();
        assertThat(Git.commitTime(s, commitB)).isGreaterThan(Git.commitTime(s, commitA));

        MultiStatus ms = Dav.props(s, "lm/", "1");
        assertThat(ms.get("lm/a.txt").text("getlastmodified")).isEqualTo(lmA);
        String lmB = ms.get("lm/b.txt").text("getlastmodified");
        assertThat(ZonedDateTime.parse(lmB, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond()).isEqualTo(Git.commitTime(s, commitB));
        // The folder changed when b.txt was added below it.
        assertThat(ms.get("lm/").text("getlastmodified")).isEqualTo(lmB);
        assertThat(s.get("lm/a.txt").headers().firstValue("Last-Modified")).contains(lmA);
    }
}
