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
 * rsync (default, without {@code --inplace}) onto a davfs2 mount: each file written to {@code .name.XXXXXX}
 * then renamed onto its name. One commit per file; {@code .env.sample}-like names stay ordinary files.
 */
class RsyncSaveTest {
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
    void aNewFileAndTwoUpdatesAreThreeCommits() throws Exception {
        DriveClient c = new DriveClient(s);
        int before = s.commitCount();
        String[] temps = {".data.csv.Gx81bA", ".data.csv.p0QzR7", ".data.csv.aa9Kk2"};
        for (int i = 0; i < 3; i++) {
            int commits = s.commitCount();
            c.davfsCreate("docs/" + temps[i], "a,b\n" + i + "," + i + "\n");
            c.move("docs/" + temps[i], "docs/data.csv");
            assertThat(c.messagesSince(commits)).containsExactly("Save docs/data.csv");
            assertThat(Git.changedInHead(s)).containsExactly("docs/data.csv");
        }
        assertThat(s.commitCount()).isEqualTo(before + 3);
        assertThat(c.followLog("docs/data.csv")).hasSize(3);
        assertThat(c.namesInHistory()).noneMatch(n -> n.startsWith("docs/.data"));
    }

    @Test
    void lowercaseSuffixesAreOrdinaryFiles() throws Exception {
        DriveClient c = new DriveClient(s);
        int before = s.commitCount();
        c.davfsCreate(".env.sample", "KEY=value\n");
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(Git.id(s, ".env.sample")).isEqualTo(Git.blobId("KEY=value\n"));
    }
}
