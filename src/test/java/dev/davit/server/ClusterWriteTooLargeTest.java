package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

/**
 * Cluster mode keeps at most 16 MiB in one entry of the replicated log, which holds its bytes: a desktop's junk
 * file kept aside (not in the history) is one. A bigger one was answered 507 with "the disk is full" (the
 * mapping of a full disk), which sent people looking for space that was there: it is 413 Content Too Large,
 * naming the limit, with nothing kept, through any node. (Files in the history go beside the log when they are
 * large: {@link ClusterLargeFileTest}.)
 */
class ClusterWriteTooLargeTest extends ThreeNodeClusterTest {

    @Test
    void aFileKeptAsideOverTheLimitOfOneEntryIs413NamingItAndKeepsNothing() throws Exception {
        startCluster();
        cluster.awaitSample();
        int leader = cluster.leader();
        int follower = cluster.follower();
        cluster.leaderKnownBy(follower);
        byte[] big = new byte[17 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 13)); // not all zeros: nothing stores it smaller than it is
        }

        for (int node : new int[] {leader, follower}) {
            HttpResponse<String> r = cluster.put(node, "._big-" + node + ".bin", big); // AppleDouble: kept aside
            assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
            assertThat(r.body()).contains("at most 16 MiB").doesNotContain("disk is full");
            HttpResponse<String> get = cluster.dav(node, "GET", "._big-" + node + ".bin", null);
            assertThat(get.statusCode()).as("nothing kept: " + get.body()).isEqualTo(404);
        }
        HttpResponse<String> small = cluster.put(follower, "._small.bin", new byte[1 << 20]);
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
    }
}
