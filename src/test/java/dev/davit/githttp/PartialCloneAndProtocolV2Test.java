package dev.davit.githttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.GitClient.Run;
import dev.davit.testutil.TestServer;

/**
 * {@code git clone --filter=blob:none} is a real partial clone (it fell back to a full one with "filtering
 * not recognized by server"), in protocol v0 and v2, and {@code git -c protocol.version=2} is answered in v2.
 */
class PartialCloneAndProtocolV2Test {
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

    private static Run ok(Run r) {
        assertThat(r.exit()).as(r.output()).isZero();
        return r;
    }

    /** Objects the clone lacks (promised by the server), as {@code rev-list --missing=print} shows them. */
    private static long missing(Path clone) throws Exception {
        String out = ok(GitClient.git(clone, "rev-list", "--objects", "--missing=print", "--all")).output();
        return Arrays.stream(out.split("\n")).filter(l -> l.startsWith("?")).count();
    }

    @Test
    void blobNoneClonesWithoutBlobsAndFetchesThemOnCheckout() throws Exception {
        for (String version : new String[] {"0", "2"}) {
            Path clone = tmp.resolve("partial-v" + version);
            Run r = ok(GitClient.git(tmp, "-c", "protocol.version=" + version, "clone", "--no-checkout", "--filter=blob:none",
                    GitClient.urlWithCredentials(s, "demo", "demo"), clone.toString()));
            assertThat(r.output()).doesNotContain("filtering not recognized");
            assertThat(missing(clone)).as("blobs left out of the v" + version + " clone").isEqualTo(2);
            assertThat(ok(GitClient.git(clone, "config", "--get", "remote.origin.promisor")).output().trim()).isEqualTo("true");
            // checking out fetches the blobs it needs by id from the server
            ok(GitClient.git(clone, "-c", "protocol.version=" + version, "checkout", "main"));
            assertThat(Files.readString(clone.resolve("docs/welcome.txt"))).isEqualTo("welcome\n");
            assertThat(missing(clone)).isZero();
        }
    }

    @Test
    void protocolV2IsServedAsV2() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("v2"));
        ProcessBuilder pb = new ProcessBuilder("git", "-c", "protocol.version=2", "ls-remote", GitClient.urlWithCredentials(s, "demo", "demo"))
                .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_TRACE_PACKET", "1");
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("git< version 2").contains("ls-refs").contains("fetch=filter");
        assertThat(out).contains("refs/heads/main");
    }

    @Test
    void inProcessAdvertisementIsV2WhenAskedAndV0WithFilterOtherwise() throws Exception {
        String head = "GET /git/demo/sample.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                + TestServer.basic("demo", "demo") + "\r\n";
        HttpTester.Response v2 = HttpTester.parseResponse(s.server.localConnector().getResponse(
                head + "Git-Protocol: version=2\r\nConnection: close\r\n\r\n"));
        assertThat(v2.getStatus()).isEqualTo(200);
        assertThat(v2.getContent()).contains("version 2").contains("fetch=filter");
        HttpTester.Response v0 = HttpTester.parseResponse(s.server.localConnector().getResponse(head + "Connection: close\r\n\r\n"));
        assertThat(v0.getStatus()).isEqualTo(200);
        assertThat(v0.getContent()).doesNotContain("version 2").contains(" filter");
    }
}
