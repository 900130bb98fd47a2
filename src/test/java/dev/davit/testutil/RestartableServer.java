package dev.davit.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link TestServer} that can be stopped and started again over the same data directory, as an
 * operator restarts Davit: the repositories and the lock file are kept, nothing is seeded anew.
 */
public final class RestartableServer implements AutoCloseable {
    private final Path tempDir;
    private final Map<String, String> settings;
    private TestServer current;

    private RestartableServer(Path tempDir, Map<String, String> settings, TestServer first) {
        this.tempDir = tempDir;
        this.settings = settings;
        this.current = first;
    }

    /** Starts the first server on a fresh {@code tempDir}. */
    public static RestartableServer start(Path tempDir, Map<String, String> settings) throws Exception {
        return new RestartableServer(tempDir, settings, TestServer.start(tempDir, settings));
    }

    /** The running server. */
    public TestServer server() {
        return current;
    }

    /**
     * Stops the running server and starts a new one (new port) on the same data directory, which must
     * already hold the repository: TestServer only seeds a repository that is missing.
     */
    public TestServer restart() throws Exception {
        Path dataDir = current.dataDir;
        Path bare = current.bareRepository();
        current.close();
        if (!Files.isDirectory(bare)) {
            throw new IllegalStateException("no repository to restart on at " + bare);
        }
        current = TestServer.start(tempDir, settings);
        if (!current.dataDir.equals(dataDir)) {
            current.close();
            throw new IllegalStateException("the restarted server uses " + current.dataDir + ", not " + dataDir);
        }
        return current;
    }

    @Override
    public void close() throws Exception {
        current.close();
    }
}
