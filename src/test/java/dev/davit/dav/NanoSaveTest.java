package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * nano on a davfs2 mount: its lock file {@code .name.swp} made on open, the file written in place on each
 * save (davfs2: LOCK, PUT with the token, UNLOCK), the lock file deleted on exit. One commit per save.
 */
class NanoSaveTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void eachSaveIsOneCommitAndTheLockFileNeverReachesGit() throws Exception {
        DriveClient c = new DriveClient(s);
        c.davfsCreate("todo.txt", "milk\n");
        int before = s.commitCount();
        c.davfsCreate(".todo.txt.swp", "b0nano 7.2");
        for (int i = 1; i <= 3; i++) {
            int commits = s.commitCount();
            c.davfsWrite("todo.txt", "milk\neggs " + i + "\n");
            assertThat(c.messagesSince(commits)).containsExactly("PUT todo.txt");
            assertThat(Git.changedInHead(s)).containsExactly("todo.txt");
        }
        c.delete(".todo.txt.swp");
        assertThat(s.commitCount()).isEqualTo(before + 3);
        assertThat(c.namesInHistory()).noneMatch(n -> n.contains(".swp"));
    }
}
