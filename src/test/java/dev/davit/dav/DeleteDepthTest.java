package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/**
 * RFC 4918 §9.6.1 restricts the Depth of a DELETE to infinity for collections only: a file deleted with
 * {@code Depth: 0} (as some clients send) is deleted; a folder with {@code Depth: 0} is 400 and stays.
 */
class DeleteDepthTest {
    @TempDir
    Path tmp;
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    @Test
    void aFileWithDepthZeroIsDeleted() throws Exception {
        assertThat(s.put("d0.txt", "x").statusCode()).isEqualTo(201);
        HttpResponse<String> r = s.send("DELETE", "d0.txt", null, "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.get("d0.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void aFolderWithDepthZeroIs400AndStays() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = s.send("DELETE", "docs/", null, "Depth", "0");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("docs/welcome.txt").statusCode()).isEqualTo(200);
        HttpResponse<String> bad = s.send("DELETE", "README.md", null, "Depth", "zero");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(s.get("README.md").statusCode()).isEqualTo(200);
    }

    @Test
    void inProcessFileWithDepthZeroIsDeleted() throws Exception {
        assertThat(s.put("d1.txt", "x").statusCode()).isEqualTo(201);
        String raw = "DELETE /dav/demo/sample/d1.txt HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("demo", "demo")
                + "\r\nDepth: 0\r\nConnection: close\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(204);
    }
}
