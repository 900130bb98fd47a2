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
 * vim with its defaults on a davfs2 mount: the swap file {@code .name.swp} written on open and while editing,
 * the {@code 4913} probe, the original renamed to the backup {@code name~}, the new file written, the backup
 * deleted, the swap file deleted on quit. One commit per {@code :w}, none on open or quit, and the file's
 * history continuous.
 */
class VimSwapFileTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static DriveClient c;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        c = new DriveClient(s);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    static void vimWrite(String file, String content) throws Exception {
        c.davfsCreate("4913", "");
        c.delete("4913");
        c.move(file, file + "~");
        c.davfsCreate(file, content);
        c.delete(file + "~");
    }

    @Test
    void openThreeWritesAndQuitAreThreeCommits() throws Exception {
        c.davfsCreate("notes.txt", "line 1\n");
        int before = s.commitCount();
        c.davfsCreate(".notes.txt.swp", "b0VIM 9.0");
        c.davfsWrite(".notes.txt.swp", "b0VIM 9.0 with changes");
        c.davfsCreate(".notes.txt.swx", "b0VIM 9.0");
        c.delete(".notes.txt.swx");
        assertThat(s.commitCount()).as("opening the file commits nothing").isEqualTo(before);
        for (int i = 2; i <= 4; i++) {
            int commits = s.commitCount();
            vimWrite("notes.txt", "line 1\nline " + i + "\n");
            assertThat(c.messagesSince(commits)).as(":w " + i).containsExactly("PUT notes.txt");
            assertThat(Git.changedInHead(s)).containsExactly("notes.txt");
        }
        c.delete(".notes.txt.swp");
        assertThat(s.commitCount()).as("quitting commits nothing").isEqualTo(before + 3);
        assertThat(c.read("notes.txt")).isEqualTo("line 1\nline 4\n");
        assertThat(c.followLog("notes.txt")).hasSize(4);
        assertThat(c.namesInHistory()).noneMatch(n -> n.contains(".sw") || n.endsWith("~") || n.equals("4913"));
    }

    @Test
    void aKilledVimsSwapFileStaysAsideAndReadable() throws Exception {
        c.davfsCreate("killed.txt", "x");
        int before = s.commitCount();
        c.davfsCreate(".killed.txt.swp", "b0VIM 9.0 recover me");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(c.read(".killed.txt.swp")).isEqualTo("b0VIM 9.0 recover me");
        assertThat(Git.id(s, ".killed.txt.swp")).isNull();
    }
}
