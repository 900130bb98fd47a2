package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.davit.testutil.MultiStatus;

/**
 * Sync-client metadata in cluster mode (kept beside the repositories, not in git): the file ids a Nextcloud or
 * ownCloud client was shown through one node (given at a PUT, at a first listing, following a MOVE) and the
 * client times it set ({@code X-OC-Mtime}) are the same through every node after the leader that gave them is
 * gone, and an id is still never given twice. Three real servers over HTTP.
 */
class ClusterSyncMetadataTest extends ThreeNodeClusterTest {
    private static final String OC = "http://owncloud.org/ns";
    private static final String PROPS = "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"" + OC + "\"><d:prop>"
            + "<d:getlastmodified/><d:getetag/><oc:id/><oc:fileid/></d:prop></d:propfind>";
    /** 2020-09-13T12:26:40Z, as a sync client sends its file's time. */
    private static final String MTIME = "1600000000";

    private MultiStatus.Resource props(int node, String path) throws Exception {
        HttpResponse<String> r = cluster.dav(node, "PROPFIND", path, PROPS, "Depth", "0", "Content-Type", "application/xml");
        assertThat(r.statusCode()).as("PROPFIND " + path + " through n" + node + ": " + r.body()).isEqualTo(207);
        return MultiStatus.parse(r.body()).resources().get(0);
    }

    private static String oc(MultiStatus.Resource r, String local) {
        MultiStatus.Prop p = r.prop("{" + OC + "}" + local);
        return p == null || p.status() != 200 ? null : p.text();
    }

    @Test
    void fileIdsAndClientTimesGivenThroughOneNodeAreTheSameThroughAnotherAfterTheLeaderDied() throws Exception {
        startCluster();
        cluster.awaitSample();
        int through = cluster.follower();
        HttpResponse<String> put = cluster.dav(through, "PUT", "a.txt", "synced", "X-OC-Mtime", MTIME);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        String given = put.headers().firstValue("OC-FileId").orElseThrow();
        HttpResponse<String> move = cluster.dav(through, "MOVE", "a.txt", null,
                "Destination", "/dav/demo/sample/b.txt");
        assertThat(move.statusCode()).as(move.body()).isEqualTo(201);
        assertThat(move.headers().firstValue("OC-FileId")).as("the id follows the MOVE").hasValue(given);
        MultiStatus.Resource moved = props(through, "b.txt");
        MultiStatus.Resource listed = props(through, "README.md"); // its id is given by this first listing
        String readme = oc(listed, "id");
        assertThat(readme).isNotNull().isNotEqualTo(given);

        int leader = cluster.leader();
        cluster.stop(leader);
        int other = through != leader ? through : cluster.follower();
        cluster.leaderKnownBy(other);

        MultiStatus.Resource after = props(other, "b.txt");
        assertThat(oc(after, "id")).isEqualTo(given);
        assertThat(oc(after, "fileid")).isEqualTo(oc(moved, "fileid"));
        assertThat(after.text("getlastmodified")).isEqualTo("Sun, 13 Sep 2020 12:26:40 GMT").isEqualTo(moved.text("getlastmodified"));
        assertThat(oc(props(other, "README.md"), "id")).isEqualTo(readme);

        HttpResponse<String> next = cluster.dav(other, "PUT", "c.txt", "after the failover", "X-OC-Mtime", MTIME);
        assertThat(next.statusCode()).as(next.body()).isEqualTo(201);
        String nextId = next.headers().firstValue("OC-FileId").orElseThrow();
        assertThat(Long.parseLong(nextId.substring(0, 8))).as("never given twice: " + nextId)
                .isGreaterThan(Long.parseLong(given.substring(0, 8)))
                .isGreaterThan(Long.parseLong(readme.substring(0, 8)));
    }
}
