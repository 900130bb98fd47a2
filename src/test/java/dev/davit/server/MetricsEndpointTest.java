package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/** An operator sees requests, commits and conflict rates by case in Prometheus' text format. */
class MetricsEndpointTest {
    @TempDir
    Path tmp;

    @Test
    void countsRequestsCommitsAndConflictsByCase() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            HttpResponse<String> put = s.put("m.txt", "one");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            HttpResponse<String> stale = s.put("m.txt", "two", "If-Match", "\"0000000000000000000000000000000000000000\"");
            assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
            HttpResponse<String> missing = s.put("no/such/folder.txt", "x");
            assertThat(missing.statusCode()).as(missing.body()).isEqualTo(409);
            HttpResponse<String> anonymous = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "m.txt")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);

            HttpResponse<String> m = s.http.send(HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(m.body())
                    .contains("davit_requests_total{frontend=\"dav\",method=\"PUT\",status=\"201\"} 1")
                    .contains("davit_requests_total{frontend=\"dav\",method=\"PUT\",status=\"409\"} 2")
                    .contains("davit_requests_total{frontend=\"dav\",method=\"GET\",status=\"401\"} 1")
                    .contains("davit_conflicts_total{frontend=\"dav\",case=\"stale\"} 1")
                    .contains("davit_conflicts_total{frontend=\"dav\",case=\"missing-parent\"} 1")
                    // every commit on main was made through Davit: the sample's import and the one PUT
                    .contains("davit_commits_total " + s.commitCount());
        }
    }
}
