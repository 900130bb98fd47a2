package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.TestServer;

/** HTTP Basic: missing or wrong credentials and other schemes are 401; a read-only user cannot write. */
class AuthTest {
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

    private static HttpResponse<String> as(String authorization, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.base() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noCredentialsIs401WithABasicChallenge() throws Exception {
        HttpResponse<String> r = as(null, "GET", "README.md", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        HttpResponse<String> put = as(null, "PUT", "anon.txt", "x");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(401);
        assertThat(s.get("anon.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void aWrongPasswordIs401() throws Exception {
        HttpResponse<String> r = as(TestServer.basic("demo", "wrong"), "GET", "README.md", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        HttpResponse<String> unknown = as(TestServer.basic("nobody", "demo"), "GET", "README.md", null);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(401);
    }

    @Test
    void anotherSchemeIs401NotAServerError() throws Exception {
        for (String auth : new String[] {"Token abc", "Bearer abc.def.ghi", "Digest username=\"demo\"", "Basic !!!notbase64", "Basic"}) {
            HttpResponse<String> r = as(auth, "PROPFIND", "", Dav.ALLPROP, "Depth", "0");
            assertThat(r.statusCode()).as(auth + " -> " + r.body()).isEqualTo(401);
        }
    }

    @Test
    void aReaderCanReadButNotWrite() throws Exception {
        String reader = TestServer.basic("reader", "reader");
        HttpResponse<String> get = as(reader, "GET", "README.md", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("# sample\n");
        HttpResponse<String> pf = as(reader, "PROPFIND", "", Dav.ALLPROP, "Depth", "1");
        assertThat(pf.statusCode()).as(pf.body()).isEqualTo(207);

        int before = s.commitCount();
        HttpResponse<String> put = as(reader, "PUT", "reader.txt", "x");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(403);
        HttpResponse<String> overwrite = as(reader, "PUT", "README.md", "x");
        assertThat(overwrite.statusCode()).as(overwrite.body()).isEqualTo(403);
        HttpResponse<String> del = as(reader, "DELETE", "README.md", null);
        assertThat(del.statusCode()).as(del.body()).isEqualTo(403);
        HttpResponse<String> mk = as(reader, "MKCOL", "rd", null);
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(403);
        HttpResponse<String> pp = as(reader, "PROPPATCH", "README.md", Dav.setProps("<Z:a xmlns:Z=\"urn:z\">1</Z:a>"));
        assertThat(pp.statusCode()).as(pp.body()).isEqualTo(403);
        HttpResponse<String> mv = as(reader, "MOVE", "README.md", null, "Destination", s.base() + "moved.md");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(403);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("README.md").body()).isEqualTo("# sample\n");
    }
}
