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
 * {@code sed -i} on a davfs2 mount: the edited copy written to {@code sedXXXXXX} (mkstemp) in the same folder,
 * then renamed onto the file. One commit, a modification of the file; the temp name never in git. A file that
 * merely starts with "sed" is an ordinary file.
 */
class SedInPlaceTest {
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
    void eachSedIsOneCommitThatModifiesTheFile() throws Exception {
        DriveClient c = new DriveClient(s);
        c.davfsCreate("docs/config.ini", "debug=false\n");
        int before = s.commitCount();
        String[] temps = {"sedK2x9Qa", "sed0aZ3pL", "sedqwJ81c"};
        for (int i = 0; i < 3; i++) {
            int commits = s.commitCount();
            c.davfsCreate("docs/" + temps[i], "debug=" + i + "\n");
            assertThat(s.commitCount()).as("the temp file is kept aside").isEqualTo(commits);
            c.move("docs/" + temps[i], "docs/config.ini");
            assertThat(c.messagesSince(commits)).containsExactly("Save docs/config.ini");
            assertThat(Git.changedInHead(s)).containsExactly("docs/config.ini");
        }
        assertThat(s.commitCount()).isEqualTo(before + 3);
        assertThat(c.read("docs/config.ini")).isEqualTo("debug=2\n");
        assertThat(c.followLog("docs/config.ini")).hasSize(4);
        assertThat(c.namesInHistory()).noneMatch(n -> n.startsWith("docs/sed"));
    }

    @Test
    void wordsThatLookLikeTheTemplateAreOrdinaryFiles() throws Exception {
        DriveClient c = new DriveClient(s);
        int before = s.commitCount();
        c.davfsCreate("sedentary", "not a temp file");
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(Git.id(s, "sedentary")).isEqualTo(Git.blobId("not a temp file"));
    }
}
