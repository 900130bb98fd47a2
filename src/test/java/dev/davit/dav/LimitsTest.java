package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/** Every limit has a setting and a clear 4xx/5xx answer, and a refused request commits nothing. */
class LimitsTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.body.bytes", "1000", "limits.xml.body.bytes", "2000",
                "limits.propfind.entries", "5", "limits.locks.per.user", "2"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void aDeclaredBodyPastTheLimitIs413AndCommitsNothing() throws Exception {
        int commits = s.commitCount();
        HttpResponse<String> r = s.put("big.bin", "x".repeat(1001));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("big.bin").statusCode()).isEqualTo(404);
    }

    @Test
    void aChunkedBodyPastTheLimitIs413AndCommitsNothing() throws Exception {
        int commits = s.commitCount();
        // A publisher without a known length makes the client send chunked.
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofString("y".repeat(5000)));
        HttpResponse<String> r = s.http.send(s.request("chunked.bin").PUT(chunked).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("chunked.bin").statusCode()).isEqualTo(404);
    }

    @Test
    void aBodyWithinTheLimitIsStored() throws Exception {
        HttpResponse<String> r = s.put("small.bin", "z".repeat(1000));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void anXmlBodyPastItsLimitIs413() throws Exception {
        String body = "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><prop>" + "<getetag/>".repeat(300) + "</prop></propfind>";
        HttpResponse<String> r = s.send("PROPFIND", "", body, "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    }

    @Test
    void propfindDepthInfinityPastTheEntryLimitIs403PropfindFiniteDepth() throws Exception {
        assertThat(s.send("MKCOL", "many", null).statusCode()).isEqualTo(201);
        for (int i : IntStream.range(0, 6).toArray()) {
            assertThat(s.put("many/f" + i + ".txt", "x").statusCode()).isEqualTo(201);
        }
        HttpResponse<String> inf = s.send("PROPFIND", "many/", null, "Depth", "infinity");
        assertThat(inf.statusCode()).as(inf.body()).isEqualTo(403);
        assertThat(inf.body()).contains("propfind-finite-depth");
        HttpResponse<String> one = s.send("PROPFIND", "many/", null, "Depth", "1");
        assertThat(one.statusCode()).as(one.body()).isEqualTo(207);
    }

    /**
     * The entry limit counts what the answer would list: folders at every level and files, not the hidden
     * property files beside them (a folder of exactly the limit is answered, one more entry is refused).
     */
    @Test
    void theEntryLimitCountsListedEntriesAtEveryLevel() throws Exception {
        assertThat(s.send("MKCOL", "edge", null).statusCode()).isEqualTo(201);
        assertThat(s.send("MKCOL", "edge/sub", null).statusCode()).isEqualTo(201);
        assertThat(s.put("edge/sub/a.txt", "a").statusCode()).isEqualTo(201);
        assertThat(s.put("edge/b.txt", "b").statusCode()).isEqualTo(201);
        assertThat(s.put("edge/sub/c.txt", "c").statusCode()).isEqualTo(201);
        for (String path : new String[] {"edge/b.txt", "edge/sub/a.txt", "edge/sub/"}) {
            HttpResponse<String> pp = Dav.proppatch(s, path, "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\" "
                    + "xmlns:Z=\"urn:z\"><D:set><D:prop><Z:color>red</Z:color></D:prop></D:set></D:propertyupdate>");
            assertThat(pp.statusCode()).as(pp.body()).isEqualTo(207);
        }
        // sub/, sub/a.txt, sub/c.txt, b.txt: 4 entries (and 3 property files, not counted)
        HttpResponse<String> four = s.send("PROPFIND", "edge/", null, "Depth", "infinity");
        assertThat(four.statusCode()).as(four.body()).isEqualTo(207);
        assertThat(s.put("edge/sub/d.txt", "d").statusCode()).isEqualTo(201);
        HttpResponse<String> five = s.send("PROPFIND", "edge/", null, "Depth", "infinity");
        assertThat(five.statusCode()).as(five.body()).isEqualTo(207);
        assertThat(s.send("MKCOL", "edge/sub/deeper", null).statusCode()).isEqualTo(201);
        HttpResponse<String> six = s.send("PROPFIND", "edge/", null, "Depth", "infinity");
        assertThat(six.statusCode()).as(six.body()).isEqualTo(403);
        assertThat(six.body()).contains("propfind-finite-depth");
    }

    @Test
    void locksPastTheLimitPerUserAre507() throws Exception {
        s.put("l1.txt", "1");
        s.put("l2.txt", "2");
        s.put("l3.txt", "3");
        Locks.lockFile(s, "l1.txt");
        Locks.lockFile(s, "l2.txt");
        HttpResponse<String> third = Locks.lock(s, "l3.txt", "exclusive", "0", "demo");
        assertThat(third.statusCode()).as(third.body()).isEqualTo(507);
    }

    @Test
    void aPathDeeperThanTheLimitIs400() throws Exception {
        String deep = "d/".repeat(300) + "x.txt";
        HttpResponse<String> r = s.put(deep, "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    }

}
