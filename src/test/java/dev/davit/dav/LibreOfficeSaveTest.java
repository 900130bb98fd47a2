package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.TestServer;

/**
 * LibreOffice on a davfs2 mount: its lock file {@code .~lock.name#} while the document is open, each save
 * written to {@code lu<random>.tmp} and renamed onto the document. One save, one commit; neither name in git.
 */
class LibreOfficeSaveTest {
    @TempDir
    static Path tmp;
    static TestServer s;
    static DriveClient c;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        c = new DriveClient(s);
        assertThat(Dav.mkcol(s, "lo").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void eachSaveIsOneCommitAndTheLockAndTempFilesNeverReachGit() throws Exception {
        String doc = "lo/minutes.odt";
        String lockFile = "lo/.~lock.minutes.odt#";
        int before = s.commitCount();
        c.davfsCreate(lockFile, ",demo,host,01.06.2026 10:00,file:///home/demo/.config/libreoffice/4;");
        String[] temps = {"lu1822ab7x.tmp", "lu1822ab7y.tmp", "lu1822ab7z.tmp"};
        for (int i = 0; i < 3; i++) {
            int commits = s.commitCount();
            c.davfsCreate("lo/" + temps[i], "odt version " + i);
            c.move("lo/" + temps[i], doc);
            assertThat(c.messagesSince(commits)).as("save " + i).containsExactly("Save " + doc);
            assertThat(Git.changedInHead(s)).containsExactly(doc);
        }
        assertThat(c.read(lockFile)).as("the lock file is readable while it exists").startsWith(",demo,");
        c.delete(lockFile);
        assertThat(s.commitCount()).isEqualTo(before + 3);
        assertThat(c.read(doc)).isEqualTo("odt version 2");
        assertThat(Git.files(s, "lo")).filteredOn(n -> !n.contains("/.davit")).containsExactly(doc);
        assertThat(c.followLog(doc)).hasSize(3);
        assertThat(c.namesInHistory()).noneMatch(n -> n.contains("lock") || n.endsWith(".tmp"));
    }
}
