package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;

/**
 * Desktop junk in cluster mode (kept aside, never committed): a {@code .DS_Store} PUT through one node is
 * read, listed and deleted through every node, is on every node's disk with the same version and time, and
 * outlives the leader it was written through. Three real servers over HTTP.
 */
class ClusterJunkFilesTest extends ThreeNodeClusterTest {
    private static final String PROPFIND = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/><D:getlastmodified/></D:prop></D:propfind>";

    /** Node {@code n}'s own copy of a file kept aside in demo/sample (not through the leader). */
    private Optional<SideFiles.SideFile> onDisk(int n, String path) throws Exception {
        return cluster.node(n).repositories().open("demo", "sample").sideFiles().get(RepoPath.parse(path));
    }

    @Test
    void aDsStorePutThroughOneNodeIsReadListedAndDeletedThroughEveryNodeAndOutlivesTheLeader() throws Exception {
        startCluster();
        cluster.awaitSample();
        int through = cluster.follower();
        String revision = cluster.dav(through, "GET", "README.md", null).headers().firstValue("X-Revision").orElseThrow();
        String bytes = "Bud1\u0000\u0000finder junk";

        HttpResponse<String> put = cluster.dav(through, "PUT", ".DS_Store", bytes);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        String etag = put.headers().firstValue("ETag").orElseThrow();

        for (int n = 1; n <= 3; n++) {
            HttpResponse<String> get = cluster.dav(n, "GET", ".DS_Store", null);
            assertThat(get.statusCode()).as("GET through n" + n + ": " + get.body()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(bytes);
            assertThat(get.headers().firstValue("ETag")).hasValue(etag);
            HttpResponse<String> list = cluster.dav(n, "PROPFIND", "", PROPFIND, "Depth", "1", "Content-Type", "application/xml");
            assertThat(list.statusCode()).as(list.body()).isEqualTo(207);
            assertThat(list.body()).as("listed through n" + n).contains("/dav/demo/sample/.DS_Store");
        }
        // On every node's own disk, the same version with the same time (the leader's, when it made the entry).
        ThreeNodeCluster.await("the file on every node's disk", () -> {
            try {
                return onDisk(1, ".DS_Store").isPresent() && onDisk(2, ".DS_Store").isPresent() && onDisk(3, ".DS_Store").isPresent();
            } catch (Exception e) {
                return false;
            }
        });
        Optional<SideFiles.SideFile> first = onDisk(1, ".DS_Store");
        for (int n = 2; n <= 3; n++) {
            assertThat(onDisk(n, ".DS_Store")).as("n" + n).isEqualTo(first);
        }
        assertThat(new String(cluster.node(2).repositories().open("demo", "sample").sideFiles()
                .open(RepoPath.parse(".DS_Store")).readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(bytes);
        assertThat(cluster.dav(through, "GET", "README.md", null).headers().firstValue("X-Revision"))
                .as("junk makes no commit").hasValue(revision);

        int leader = cluster.leader();
        cluster.stop(leader);
        int a = 0;
        int b = 0;
        for (int n = 1; n <= 3; n++) {
            if (n != leader) {
                if (a == 0) {
                    a = n;
                } else {
                    b = n;
                }
            }
        }
        cluster.leaderKnownBy(a);
        cluster.leaderKnownBy(b);

        for (int n : new int[] {a, b}) {
            HttpResponse<String> get = cluster.dav(n, "GET", ".DS_Store", null);
            assertThat(get.statusCode()).as("GET through n" + n + " after the leader died: " + get.body()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(bytes);
            assertThat(get.headers().firstValue("ETag")).hasValue(etag);
        }
        HttpResponse<String> delete = cluster.dav(a, "DELETE", ".DS_Store", null);
        assertThat(delete.statusCode()).as(delete.body()).isEqualTo(204);
        HttpResponse<String> gone = cluster.dav(b, "GET", ".DS_Store", null);
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
        int x = a;
        int y = b;
        ThreeNodeCluster.await("the file gone from both nodes' disks", () -> {
            try {
                return onDisk(x, ".DS_Store").isEmpty() && onDisk(y, ".DS_Store").isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
