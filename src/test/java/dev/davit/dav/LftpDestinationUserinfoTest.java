package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/**
 * lftp's {@code mv} and {@code cp} send the URL they were given as the {@code Destination}, credentials
 * included: {@code http://demo:demo@127.0.0.1:PORT/dav/...}. The userinfo does not make it another server
 * (it answered 502 other-server).
 */
class LftpDestinationUserinfoTest {
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

    private String withUserinfo(String userinfo, String path) {
        URI base = URI.create(s.base());
        return "http://" + userinfo + "@" + base.getHost() + ":" + base.getPort() + base.getPath() + path;
    }

    @Test
    void moveAndCopyWithCredentialsInTheDestinationWork() throws Exception {
        assertThat(s.put("l.txt", "lftp\n").statusCode()).isEqualTo(201);
        HttpResponse<String> mv = s.send("MOVE", "l.txt", null, "Destination", withUserinfo("demo:demo", "m.txt"));
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        HttpResponse<String> cp = s.send("COPY", "m.txt", null, "Destination", withUserinfo("demo", "c.txt"));
        assertThat(cp.statusCode()).as(cp.body()).isEqualTo(201);
        assertThat(s.get("l.txt").statusCode()).isEqualTo(404);
        assertThat(s.get("m.txt").body()).isEqualTo("lftp\n");
        assertThat(s.get("c.txt").body()).isEqualTo("lftp\n");
    }

    @Test
    void userinfoBeforeAnotherHostIsStillAnotherServer() throws Exception {
        assertThat(s.put("o.txt", "o").statusCode()).isEqualTo(201);
        int before = s.commitCount();
        // the host after the '@' decides, not a host-looking userinfo
        URI base = URI.create(s.base());
        String d = "http://" + base.getHost() + ":" + base.getPort() + "@elsewhere.example:8080/dav/demo/sample/o2.txt";
        HttpResponse<String> r = s.send("MOVE", "o.txt", null, "Destination", d);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void inProcessMoveWithUserinfo() throws Exception {
        assertThat(s.put("i.txt", "i").statusCode()).isEqualTo(201);
        String raw = "MOVE /dav/demo/sample/i.txt HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("demo", "demo")
                + "\r\nDestination: http://demo:demo@localhost/dav/demo/sample/i2.txt\r\nConnection: close\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(201);
        assertThat(s.get("i2.txt").statusCode()).isEqualTo(200);
    }
}
