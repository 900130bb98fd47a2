package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** HTTPS with a configured keystore, and the setting that keeps Basic credentials off plain HTTP. */
class HttpsTest {
    @TempDir
    Path tmp;

    private Path keystore() throws Exception {
        return dev.davit.testutil.Keystores.selfSigned(tmp.resolve("server.p12"), "changeit", "localhost");
    }

    @Test
    void servesWebDavOverHttpsWithTheConfiguredKeystore() throws Exception {
        Path ks = keystore();
        try (TestServer s = TestServer.start(tmp, Map.of("https.port", "0", "https.keystore", ks.toString(),
                "https.keystore.password", "changeit"))) {
            assertThat(s.server.httpsPort()).isPositive();
            HttpResponse<String> r = dev.davit.testutil.Keystores.trustingClient().send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + s.server.httpsPort() + "/dav/demo/sample/README.md"))
                    .header("Authorization", TestServer.basic("demo", "demo")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("# sample\n");
            assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        }
    }

    @Test
    void basicOverPlainHttpIsRefusedExceptFromLoopbackWhenConfigured() throws Exception {
        try (TestServer s = TestServer.start(tmp, Map.of("auth.basic.tls.only", "true"))) {
            HttpResponse<String> local = s.get("README.md");
            assertThat(local.statusCode()).as("loopback may use plain HTTP: " + local.body()).isEqualTo(200);

            // Jetty's in-process connector has no loopback peer address: it stands for a remote client.
            String raw = s.server.localConnector().getResponse("""
                    GET /dav/demo/sample/README.md HTTP/1.1\r
                    Host: example.org\r
                    Authorization: %s\r
                    Connection: close\r
                    \r
                    """.formatted(TestServer.basic("demo", "demo")));
            HttpTester.Response remote = HttpTester.parseResponse(raw);
            assertThat(remote.getStatus()).as(raw).isEqualTo(403);
            assertThat(remote.getContent()).contains("https");
        }
    }
}
