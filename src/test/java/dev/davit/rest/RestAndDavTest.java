package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/** One repository behind two front ends: a write through either is visible at once through the other, same ETag. */
class RestAndDavTest {
    @TempDir
    Path tmp;
    TestServer s;
    Api api;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
        api = new Api(s);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    @Test
    void restWriteIsSeenByWebDavWithTheSameEtag() throws Exception {
        HttpResponse<String> put = api.putFile("shared.txt", "from rest\n", null);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        String sha = Api.json(put).get("content").get("sha").asText();
        HttpResponse<String> dav = s.get("shared.txt");
        assertThat(dav.statusCode()).as(dav.body()).isEqualTo(200);
        assertThat(dav.body()).isEqualTo("from rest\n");
        assertThat(dav.headers().firstValue("ETag")).hasValue("\"" + sha + "\"");
        assertThat(put.headers().firstValue("ETag")).isEqualTo(dav.headers().firstValue("ETag"));
        assertThat(dav.headers().firstValue("X-Revision")).isEqualTo(put.headers().firstValue("X-Revision"));
        // and the sha from REST works as If-Match on WebDAV
        HttpResponse<String> davPut = s.put("shared.txt", "from dav\n", "If-Match", "\"" + sha + "\"");
        assertThat(davPut.statusCode()).as(davPut.body()).isEqualTo(204);
    }

    @Test
    void webDavWriteIsSeenByRestWithTheSameEtag() throws Exception {
        HttpResponse<String> davPut = s.put("docs/w.txt", "from dav\n");
        assertThat(davPut.statusCode()).as(davPut.body()).isEqualTo(201);
        String etag = davPut.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> get = api.get("/contents/docs/w.txt");
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.headers().firstValue("ETag")).hasValue(etag);
        assertThat("\"" + Api.json(get).get("sha").asText() + "\"").isEqualTo(etag);
        assertThat(Api.unb64(Api.json(get).get("content").asText())).isEqualTo("from dav\n");
        // the ETag's id is the sha a REST update needs
        String sha = etag.substring(1, etag.length() - 1);
        HttpResponse<String> upd = api.putFile("docs/w.txt", "from rest\n", sha);
        assertThat(upd.statusCode()).as(upd.body()).isEqualTo(200);
        // and WebDAV's If-Match with the old ETag is now stale
        assertThat(s.put("docs/w.txt", "late\n", "If-Match", etag).statusCode()).isEqualTo(409);
    }

    @Test
    void folderEtagsAgree() throws Exception {
        String davEtag = s.get("docs/").headers().firstValue("ETag").orElse(null);
        HttpResponse<String> rest = api.get("/contents/docs");
        if (davEtag != null) {
            assertThat(rest.headers().firstValue("ETag")).hasValue(davEtag);
        }
        String treeSha = Api.json(api.get("/contents/")).get(1).get("sha").asText();
        assertThat(rest.headers().firstValue("ETag")).hasValue("\"" + treeSha + "\"");
    }
}
