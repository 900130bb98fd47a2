package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** COPY and MOVE (RFC 4918 §9.8, §9.9): Depth, Overwrite and the Destination header. */
class CopyMoveTest {
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
    void copyOfAFileLeavesTheSourceAndCreatesTheDestination() throws Exception {
        s.put("c1.txt", "one");
        HttpResponse<String> r = Dav.copy(s, "c1.txt", "c1-copy.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("c1.txt").body()).isEqualTo("one");
        assertThat(s.get("c1-copy.txt").body()).isEqualTo("one");
    }

    @Test
    void moveOfAFileRemovesTheSource() throws Exception {
        s.put("m1.txt", "one");
        HttpResponse<String> r = Dav.move(s, "m1.txt", "m1-moved.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("m1.txt").statusCode()).isEqualTo(404);
        assertThat(s.get("m1-moved.txt").body()).isEqualTo("one");
    }

    @Test
    void copyWithoutOverwriteHeaderOverwritesAnExistingDestination() throws Exception {
        s.put("ow-src.txt", "new");
        s.put("ow-dst.txt", "old");
        HttpResponse<String> r = Dav.copy(s, "ow-src.txt", "ow-dst.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.get("ow-dst.txt").body()).isEqualTo("new");
    }

    @Test
    void moveWithoutOverwriteHeaderOverwritesAnExistingDestination() throws Exception {
        s.put("owm-src.txt", "new");
        s.put("owm-dst.txt", "old");
        HttpResponse<String> r = Dav.move(s, "owm-src.txt", "owm-dst.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.get("owm-dst.txt").body()).isEqualTo("new");
        assertThat(s.get("owm-src.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void overwriteFalseOnAnExistingDestinationIs412AndChangesNothing() throws Exception {
        s.put("of-src.txt", "new");
        s.put("of-dst.txt", "old");
        int before = s.commitCount();
        String head = s.head();
        HttpResponse<String> copy = Dav.copy(s, "of-src.txt", "of-dst.txt", "Overwrite", "F");
        assertThat(copy.statusCode()).as(copy.body()).isEqualTo(412);
        HttpResponse<String> move = Dav.move(s, "of-src.txt", "of-dst.txt", "Overwrite", "F");
        assertThat(move.statusCode()).as(move.body()).isEqualTo(412);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.head()).isEqualTo(head);
        assertThat(s.get("of-dst.txt").body()).isEqualTo("old");
        assertThat(s.get("of-src.txt").body()).isEqualTo("new");
    }

    @Test
    void overwriteFalseOnAFreeDestinationSucceeds() throws Exception {
        s.put("off-src.txt", "x");
        HttpResponse<String> r = Dav.copy(s, "off-src.txt", "off-dst.txt", "Overwrite", "F");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void copyOfAFolderWithDepthInfinityCopiesEverythingBelowIt() throws Exception {
        Dav.mkcol(s, "cf");
        Dav.mkcol(s, "cf/sub");
        s.put("cf/a.txt", "a");
        s.put("cf/sub/b.txt", "b");
        HttpResponse<String> r = Dav.copy(s, "cf/", "cf-inf/", "Depth", "infinity");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("cf-inf/a.txt").body()).isEqualTo("a");
        assertThat(s.get("cf-inf/sub/b.txt").body()).isEqualTo("b");
        assertThat(s.get("cf/sub/b.txt").body()).isEqualTo("b");
    }

    @Test
    void copyOfAFolderWithoutDepthIsDepthInfinity() throws Exception {
        Dav.mkcol(s, "cn");
        Dav.mkcol(s, "cn/sub");
        s.put("cn/sub/b.txt", "b");
        HttpResponse<String> r = Dav.copy(s, "cn/", "cn-copy/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("cn-copy/sub/b.txt").body()).isEqualTo("b");
    }

    @Test
    void copyOfAFolderWithDepth0CopiesTheFolderButNotItsMembers() throws Exception {
        Dav.mkcol(s, "c0");
        s.put("c0/a.txt", "a");
        HttpResponse<String> r = Dav.copy(s, "c0/", "c0-copy/", "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        MultiStatus ms = Dav.props(s, "c0-copy/", "1");
        assertThat(ms.paths()).containsExactly("/dav/demo/sample/c0-copy/");
        assertThat(ms.get("c0-copy/").isCollection()).isTrue();
        assertThat(s.get("c0-copy/a.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void moveOfAFolderMovesEverythingBelowIt() throws Exception {
        Dav.mkcol(s, "mf");
        Dav.mkcol(s, "mf/sub");
        s.put("mf/sub/b.txt", "b");
        HttpResponse<String> r = Dav.move(s, "mf/", "mf-moved/", "Depth", "infinity");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("mf-moved/sub/b.txt").body()).isEqualTo("b");
        assertThat(s.get("mf/").statusCode()).isEqualTo(404);
    }

    @Test
    void destinationOnAnotherHostIs502() throws Exception {
        s.put("h.txt", "h");
        int before = s.commitCount();
        HttpResponse<String> r = s.send("COPY", "h.txt", null, "Destination", "http://elsewhere.example:8080/dav/demo/sample/h2.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        HttpResponse<String> m = s.send("MOVE", "h.txt", null, "Destination", "http://elsewhere.example:8080/dav/demo/sample/h2.txt");
        assertThat(m.statusCode()).as(m.body()).isEqualTo(502);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("h.txt").statusCode()).isEqualTo(200);
    }

    @Test
    void destinationInAnotherRepositoryIs403() throws Exception {
        s.put("r.txt", "r");
        int before = s.commitCount();
        String other = s.server.baseUrl() + "dav/demo/other/r.txt";
        HttpResponse<String> r = s.send("COPY", "r.txt", null, "Destination", other);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        HttpResponse<String> m = s.send("MOVE", "r.txt", null, "Destination", "/dav/demo/other/r.txt");
        assertThat(m.statusCode()).as(m.body()).isEqualTo(403);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("r.txt").statusCode()).isEqualTo(200);
    }

    @Test
    void missingDestinationIs400() throws Exception {
        s.put("nd.txt", "n");
        int before = s.commitCount();
        HttpResponse<String> c = s.send("COPY", "nd.txt", null);
        assertThat(c.statusCode()).as(c.body()).isEqualTo(400);
        HttpResponse<String> m = s.send("MOVE", "nd.txt", null);
        assertThat(m.statusCode()).as(m.body()).isEqualTo(400);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void absolutePathDestinationWorks() throws Exception {
        s.put("ap.txt", "a");
        HttpResponse<String> r = s.send("MOVE", "ap.txt", null, "Destination", "/dav/demo/sample/ap2.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(s.get("ap2.txt").body()).isEqualTo("a");
    }
}
