package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Windows Explorer copying a file onto the drive: LOCK of the new name, PUT of 0 bytes, PUT of the content,
 * PROPPATCH of the Win32 times, UNLOCK. One commit (the content), no {@code .davitprops} file in git, the
 * times still served back; an empty file is committed once, at UNLOCK.
 */
class ExplorerNewFileTest {
    static final String MS = WindowsExplorerUploadTest.MS;

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
    void aCopiedFileIsOneCommitAndItsWin32TimesStayOutOfTheTree() throws Exception {
        DriveClient c = new DriveClient(s);
        String path = "docs/From Windows.txt";
        int before = s.commitCount();
        String t = c.lock(path, 201);
        c.put(path, "", t);
        assertThat(s.commitCount()).as("the 0-byte PUT into the LOCK's file commits nothing").isEqualTo(before);
        c.put(path, "hello from Windows\r\n", t);
        c.win32Times(path, t);
        c.unlock(path, t);
        assertThat(c.messagesSince(before)).containsExactly("PUT " + path);
        assertThat(c.namesInHistory()).noneMatch(n -> n.contains(".davitprops"));
        MultiStatus.Resource r = Dav.props(s, Dav.enc(path), "0").get(path);
        assertThat(r.prop("{" + MS + "}Win32LastModifiedTime").text()).isEqualTo(WindowsExplorerUploadTest.MODIFIED);

        // Saving it again from Explorer: LOCK, PUT, PROPPATCH, UNLOCK is one more commit.
        t = c.lock(path, 200);
        c.put(path, "edited\r\n", t);
        c.win32Times(path, t);
        c.unlock(path, t);
        assertThat(s.commitCount()).isEqualTo(before + 2);
    }

    @Test
    void anEmptyNewFileIsCommittedOnceAtUnlock() throws Exception {
        DriveClient c = new DriveClient(s);
        String path = "New Text Document.txt";
        int before = s.commitCount();
        String t = c.lock(path, 201);
        c.put(path, "", t);
        c.win32Times(path, t);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(Dav.props(s, "", "1").get(path)).as("listed while it waits").isNotNull();
        c.unlock(path, t);
        assertThat(c.messagesSince(before)).containsExactly("Save " + path + " (new empty file)");
        assertThat(Git.id(s, path)).isEqualTo(Git.blobId(""));
        assertThat(Dav.props(s, Dav.enc(path), "0").get(path).prop("{" + MS + "}Win32FileAttributes").text())
                .isEqualTo("00000020");
    }
}
