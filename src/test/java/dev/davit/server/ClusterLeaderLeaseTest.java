package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

/**
 * Reads after a partition: a leader that no longer hears from a majority still believes it leads until it steps
 * down (2 s), while the others may elect a leader (from 1 s) and acknowledge writes it has not seen. It must not
 * serve a read meanwhile: once its leader lease is over (0.9 s after the last heartbeats answered were sent) it
 * answers 503 with Retry-After, still believing it leads. Before the lease, reads through it were answered from
 * its state until the step-down.
 */
class ClusterLeaderLeaseTest extends ThreeNodeClusterTest {
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @Test
    void aLeaderCutOffFromTheMajorityAnswers503ToReadsWhileItStillBelievesItLeads() throws Exception {
        startCluster();
        cluster.awaitSample();
        int n = cluster.leader();
        DavitServer leader = cluster.node(n);
        HttpResponse<String> before = cluster.dav(n, "GET", "README.md", null);
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);

        for (int i = 1; i <= 3; i++) {
            if (i != n) {
                cluster.stop(i);
            }
        }
        // Reads through the cut-off leader until it steps down. One answered while it believed it led both
        // before it was sent and after its answer came was answered by a node that believed it led throughout.
        int refusedWhileLeading = 0;
        int served = 0;
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (leader.cluster().servesLocally() && System.nanoTime() < end) {
            HttpResponse<String> r = cluster.dav(n, "GET", "README.md", null);
            boolean stillLeading = leader.cluster().servesLocally();
            if (r.statusCode() == 503 && stillLeading) {
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                refusedWhileLeading++;
            } else if (r.statusCode() == 200) {
                served++;
            } else {
                assertThat(r.statusCode()).as("a read through the cut-off leader: " + r.body()).isEqualTo(503);
            }
        }
        assertThat(leader.cluster().servesLocally()).as("the cut-off leader stepped down in the end").isFalse();
        assertThat(refusedWhileLeading).as("reads refused while the cut-off node still believed it led (" + served
                + " served, before its lease ended)").isPositive();
    }
}
