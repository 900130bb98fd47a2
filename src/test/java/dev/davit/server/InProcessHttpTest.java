package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import javax.xml.parsers.DocumentBuilderFactory;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import dev.davit.testutil.TestServer;

/** Raw HTTP/1.1 through Jetty's LocalConnector: the whole server stack, no socket. */
class InProcessHttpTest {
    private static final String DAV = "/dav/demo/sample/";

    @TempDir
    static Path tmp;

    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** Sends raw request text (LF line ends become CRLF; a body gets its Content-Length). */
    private static HttpTester.Response send(String head, String body) throws Exception {
        StringBuilder req = new StringBuilder(head.strip().replace("\r\n", "\n").replace("\n", "\r\n")).append("\r\n");
        if (body != null) {
            req.append("Content-Length: ").append(body.getBytes(StandardCharsets.ISO_8859_1).length).append("\r\n");
        }
        req.append("\r\n");
        if (body != null) {
            req.append(body);
        }
        String raw = s.server.localConnector().getResponse(req.toString());
        assertThat(raw).as("no response to:\n%s", req).isNotNull();
        return HttpTester.parseResponse(raw);
    }

    private static HttpTester.Response send(String head) throws Exception {
        return send(head, null);
    }

    @Test
    void optionsAnnouncesClassOneAndTheMethods() throws Exception {
        HttpTester.Response r = send("""
                OPTIONS /dav/demo/sample/ HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(200);
        assertThat(r.get("DAV")).isNotNull();
        assertThat(r.get("DAV").split("\\s*,\\s*")).contains("1");
        assertThat(r.get("Allow")).isNotNull();
        assertThat(r.get("Allow").split("\\s*,\\s*"))
                .contains("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPFIND", "PROPPATCH");
    }

    @Test
    void putThenPropfindDepthZeroShowsThePutsEtag() throws Exception {
        HttpTester.Response put = send("""
                PUT /dav/demo/sample/inproc-a.txt HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Content-Type: text/plain
                Connection: close
                """, "hello in process\n");
        assertThat(put.getStatus()).as(put.getContent()).isEqualTo(201);
        String etag = put.get("ETag");
        assertThat(etag).matches("\"[0-9a-f]{40}\"");
        assertThat(put.get("X-Revision")).matches("[0-9a-f]{40}");

        HttpTester.Response pf = send("""
                PROPFIND /dav/demo/sample/inproc-a.txt HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Depth: 0
                Content-Type: application/xml; charset=utf-8
                Connection: close
                """, """
                <?xml version="1.0" encoding="utf-8"?>
                <D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontentlength/><D:resourcetype/></D:prop></D:propfind>
                """);
        assertThat(pf.getStatus()).as(pf.getContent()).isEqualTo(207);
        assertThat(pf.get("Content-Type")).contains("xml");
        assertThat(pf.get("X-Revision")).isEqualTo(put.get("X-Revision"));

        Document doc = parseXml(pf.getContentBytes());
        NodeList responses = doc.getElementsByTagNameNS("DAV:", "response");
        assertThat(responses.getLength()).as(pf.getContent()).isEqualTo(1);
        NodeList hrefs = doc.getElementsByTagNameNS("DAV:", "href");
        assertThat(hrefs.item(0).getTextContent().trim()).endsWith(DAV + "inproc-a.txt");
        NodeList etags = doc.getElementsByTagNameNS("DAV:", "getetag");
        assertThat(etags.getLength()).as(pf.getContent()).isEqualTo(1);
        assertThat(etags.item(0).getTextContent().trim()).isEqualTo(etag);
        NodeList lengths = doc.getElementsByTagNameNS("DAV:", "getcontentlength");
        assertThat(lengths.item(0).getTextContent().trim()).isEqualTo(String.valueOf("hello in process\n".length()));

        HttpTester.Response get = send("""
                GET /dav/demo/sample/inproc-a.txt HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(get.getStatus()).as(get.getContent()).isEqualTo(200);
        assertThat(get.getContent()).isEqualTo("hello in process\n");
        assertThat(get.get("ETag")).isEqualTo(etag);
    }

    @Test
    void mkcolWithABodyIs415AndMakesNothing() throws Exception {
        String head = s.head();
        HttpTester.Response r = send("""
                MKCOL /dav/demo/sample/inproc-col HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Content-Type: application/xml
                Connection: close
                """, "<?xml version=\"1.0\"?><x/>");
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(415);
        assertThat(s.head()).isEqualTo(head);

        HttpTester.Response ok = send("""
                MKCOL /dav/demo/sample/inproc-col HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(ok.getStatus()).as(ok.getContent()).isEqualTo(201);
    }

    @Test
    void putWithoutParentIs409AndNamesTheMissingFolder() throws Exception {
        String head = s.head();
        HttpTester.Response r = send("""
                PUT /dav/demo/sample/no-such-folder/deeper/x.txt HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Content-Type: text/plain
                Connection: close
                """, "orphan");
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(409);
        assertThat(r.getContent()).contains("no-such-folder");
        assertThat(r.get("X-Revision")).isEqualTo(head);
        assertThat(s.head()).isEqualTo(head);

        HttpTester.Response underFile = send("""
                PUT /dav/demo/sample/README.md/x.txt HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """, "orphan");
        assertThat(underFile.getStatus()).as(underFile.getContent()).isEqualTo(409);
        assertThat(s.head()).isEqualTo(head);
    }

    @Test
    void unknownMethodIs405NotAServerError() throws Exception {
        HttpTester.Response r = send("""
                PATCH /dav/demo/sample/README.md HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Content-Type: text/plain
                Connection: close
                """, "x");
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(405);
        assertThat(r.get("Allow")).contains("PROPFIND");

        HttpTester.Response brew = send("""
                BREW /dav/demo/sample/README.md HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(brew.getStatus()).as(brew.getContent()).isEqualTo(405);
    }

    @Test
    void healthzNeedsNoCredentials() throws Exception {
        HttpTester.Response r = send("""
                GET /healthz HTTP/1.1
                Host: localhost
                Connection: close
                """);
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(200);
    }

    @Test
    void missingCredentialsAre401WithAChallenge() throws Exception {
        HttpTester.Response r = send("""
                PROPFIND /dav/demo/sample/ HTTP/1.1
                Host: localhost
                Depth: 0
                Connection: close
                """);
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(401);
        assertThat(r.get("WWW-Authenticate")).isNotNull().startsWith("Basic").contains("realm=");
    }

    @Test
    void anotherAuthorizationSchemeIs401NotAServerError() throws Exception {
        HttpTester.Response r = send("""
                GET /dav/demo/sample/README.md HTTP/1.1
                Host: localhost
                Authorization: Token x
                Connection: close
                """);
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(401);
        assertThat(r.get("WWW-Authenticate")).startsWith("Basic");

        HttpTester.Response wrong = send("""
                GET /dav/demo/sample/README.md HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzp3cm9uZw==
                Connection: close
                """);
        assertThat(wrong.getStatus()).as(wrong.getContent()).isEqualTo(401);

        HttpTester.Response garbage = send("""
                GET /dav/demo/sample/README.md HTTP/1.1
                Host: localhost
                Authorization: Basic %%%not-base64
                Connection: close
                """);
        assertThat(garbage.getStatus()).as(garbage.getContent()).isEqualTo(401);
    }

    /** A past revision that does not exist is a 404 like any other unknown revision, not a 500. */
    @Test
    void unknownFullLengthRevisionIs404() throws Exception {
        HttpTester.Response shortId = send("""
                GET /dav/demo/sample/README.md?rev=deadbeef HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(shortId.getStatus()).as(shortId.getContent()).isEqualTo(404);

        HttpTester.Response fullId = send("""
                GET /dav/demo/sample/README.md?rev=0123456789012345678901234567890123456789 HTTP/1.1
                Host: localhost
                Authorization: Basic ZGVtbzpkZW1v
                Connection: close
                """);
        assertThat(fullId.getStatus()).as(fullId.getContent()).isEqualTo(404);
    }

    private static Document parseXml(byte[] body) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(body));
    }
}
