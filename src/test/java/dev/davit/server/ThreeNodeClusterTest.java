package dev.davit.server;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests on a {@link ThreeNodeCluster} share: its folder, the cluster a test starts ({@link #startCluster}),
 * and its closing after each test.
 */
abstract class ThreeNodeClusterTest {
    @TempDir
    Path tmp;

    /** The cluster the test started, or null. */
    ThreeNodeCluster cluster;

    /** Starts the three nodes in the test's folder. */
    ThreeNodeCluster startCluster() throws Exception {
        cluster = new ThreeNodeCluster(tmp);
        return cluster;
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }
}
