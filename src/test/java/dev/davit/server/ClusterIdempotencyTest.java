package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * REST {@code Idempotency-Key} in cluster mode: a client that lost the answer to a keyed write (its leader
 * died) retries through another node after the failover and gets the original answer replayed, with no second
 * commit and no conflict with its own write; a refusal's answer is replayed too; the key with another request
 * is still 422. Three real servers over HTTP.
 */
class ClusterIdempotencyTest extends ThreeNodeClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String put(String message, String content, String sha) {
        return "{\"message\":\"" + message + "\",\"content\":\"" + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8))
                + "\"" + (sha == null ? "" : ",\"sha\":\"" + sha + "\"") + "}";
    }

    /** Each running node's own head of demo/sample (not through the leader). */
    private java.util.Set<String> heads() throws Exception {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (DavitServer s : cluster.running()) {
            out.add(s.repositories().open("demo", "sample").headId().name());
        }
        return out;
    }

    /** The scheme, host and port the links of an answer name. */
    private static String origin(JsonNode answer) {
        String url = answer.path("content").path("url").asText();
        return url.substring(0, url.indexOf('/', "http://".length()));
    }

    @Test
    void aKeyedWriteRetriedThroughAnotherNodeAfterTheLeaderDiedIsReplayedNotCommittedTwice() throws Exception {
        startCluster();
        cluster.awaitSample();
        int through = cluster.follower();
        String create = put("keyed create", "first", null);
        HttpResponse<String> created = cluster.api(through, "PUT", "contents/keyed.txt", create, "Idempotency-Key", "create-1");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String revision = created.headers().firstValue("X-Revision").orElseThrow();
        // A refusal (a stale sha) is an answer too: its key is kept by the cluster as well.
        String stale = put("keyed stale update", "second", "0123456789012345678901234567890123456789");
        HttpResponse<String> refused = cluster.api(through, "PUT", "contents/keyed.txt", stale, "Idempotency-Key", "stale-1");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);

        int leader = cluster.leader();
        cluster.stop(leader); // the leader that made the commit is gone, as if it died before answering
        int other = cluster.running().size() == 2 && through != leader ? through : cluster.follower();
        cluster.leaderKnownBy(other);

        HttpResponse<String> again = cluster.api(other, "PUT", "contents/keyed.txt", create, "Idempotency-Key", "create-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(again.headers().firstValue("X-Revision")).hasValue(revision);
        assertThat(again.headers().firstValue("ETag")).isEqualTo(created.headers().firstValue("ETag"));
        JsonNode first = JSON.readTree(created.body());
        JsonNode replayed = JSON.readTree(again.body());
        assertThat(replayed.path("commit").path("sha").asText()).isEqualTo(revision);
        // The same file and commit (links name the node asked, so they may differ).
        for (String field : new String[] {"sha", "size", "path", "name", "type"}) {
            assertThat(replayed.path("content").path(field)).as("content." + field).isEqualTo(first.path("content").path(field));
        }
        for (String field : new String[] {"message", "author", "committer", "tree"}) {
            assertThat(replayed.path("commit").path(field).toString()).as("commit." + field)
                    .isEqualTo(first.path("commit").path(field).toString().replace(origin(first), origin(replayed)));
        }

        HttpResponse<String> refusedAgain = cluster.api(other, "PUT", "contents/keyed.txt", stale, "Idempotency-Key", "stale-1");
        assertThat(refusedAgain.statusCode()).as(refusedAgain.body()).isEqualTo(409);
        assertThat(refusedAgain.headers().firstValue("Idempotent-Replayed")).hasValue("true");

        HttpResponse<String> reused = cluster.api(other, "PUT", "contents/keyed.txt", put("another", "other", null),
                "Idempotency-Key", "create-1");
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(422);

        // Exactly one commit: the head everywhere is still the one the first answer named.
        ThreeNodeCluster.await("both nodes at the first answer's commit", () -> {
            try {
                return heads().equals(java.util.Set.of(revision));
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> read = cluster.api(other, "GET", "contents/keyed.txt", null, "Accept", "application/vnd.github.raw");
        assertThat(read.body()).isEqualTo("first");
        assertThat(read.headers().firstValue("X-Revision")).hasValue(revision);
    }
}
