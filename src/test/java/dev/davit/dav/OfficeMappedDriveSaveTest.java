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
 * Word saving a document on a mapped drive (Windows' redirector): the owner file {@code ~$name}, the new
 * version written as {@code ~WRD0000.tmp} (LOCK, PUT 0 bytes, PUT, PROPPATCH of the Win32 times, UNLOCK), the
 * document moved away to {@code ~WRL0001.tmp}, the temp file moved onto the document's name, {@code ~WRL}
 * deleted, the Win32 times set on the document. One save must be one commit that modifies the document, so
 * {@code git log --follow} of it stays continuous, and no temp name may ever reach git.
 */
class OfficeMappedDriveSaveTest {
    static final String DOC = "office/report.docx";

    @TempDir
    static Path tmp;
    static TestServer s;
    static DriveClient c;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        c = new DriveClient(s);
        assertThat(Dav.mkcol(s, "office").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Word's save of version {@code n} while the document is open (locked) and its owner file exists. */
    static void wordSave(String doc, String content) throws Exception {
        String folder = doc.substring(0, doc.lastIndexOf('/') + 1);
        String docToken = c.lock(doc, 200);
        String wrd = folder + "~WRD0000.tmp";
        String wrl = folder + "~WRL0001.tmp";
        String t = c.lock(wrd, 201);
        c.put(wrd, "", t);
        c.put(wrd, content, t);
        c.win32Times(wrd, t);
        c.unlock(wrd, t);
        c.move(doc, wrl, docToken);
        // In the middle of the save the document is gone for WebDAV, its old bytes readable at ~WRL.
        assertThat(c.status(doc)).isEqualTo(404);
        MultiStatus listing = Dav.props(s, folder, "1");
        assertThat(listing.get(doc)).as("the moved-away document is not listed").isNull();
        assertThat(listing.get(wrl)).isNotNull();
        c.move(wrd, doc);
        c.delete(wrl);
        c.win32Times(doc, null);
    }

    @Test
    void threeSavesAreThreeCommitsEachAModificationOfTheDocument() throws Exception {
        String owner = "office/~$report.docx";
        c.davfsCreate(DOC, "version 0");
        int before = s.commitCount();
        String ownerToken = c.lock(owner, 201);
        c.put(owner, "demo", ownerToken);
        c.unlock(owner, ownerToken);
        for (int i = 1; i <= 3; i++) {
            int commits = s.commitCount();
            wordSave(DOC, "version " + i);
            assertThat(c.messagesSince(commits)).as("save " + i).containsExactly("Save " + DOC);
            assertThat(Git.changedInHead(s)).containsExactly(DOC);
            assertThat(c.read(DOC)).isEqualTo("version " + i);
        }
        c.delete(owner);
        assertThat(s.commitCount()).isEqualTo(before + 3);
        assertThat(Git.files(s, "office")).filteredOn(n -> !n.contains("/.davit")).containsExactly(DOC);
        assertThat(c.followLog(DOC)).containsExactly("Save " + DOC, "Save " + DOC, "Save " + DOC, "PUT " + DOC);
        assertThat(c.git("log", "--format=%H", "--diff-filter=D", "main", "--", DOC)).as("never deleted").isBlank();
        assertThat(c.namesInHistory()).noneMatch(n -> n.contains("~"));
        assertThat(c.status("office/~WRL0001.tmp")).isEqualTo(404);
        assertThat(c.status("office/~WRD0000.tmp")).isEqualTo(404);
    }

    @Test
    void aDocumentMovedAwayAndBackIsNoCommit() throws Exception {
        c.davfsCreate("office/back.docx", "same");
        int before = s.commitCount();
        c.move("office/back.docx", "office/~WRL0002.tmp");
        assertThat(s.commitCount()).isEqualTo(before);
        c.move("office/~WRL0002.tmp", "office/back.docx");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(c.read("office/back.docx")).isEqualTo("same");
        assertThat(c.status("office/~WRL0002.tmp")).isEqualTo(404);
    }

    @Test
    void aDocumentMovedAwayWhoseAsideCopyIsDeletedIsDeletedInOneCommit() throws Exception {
        c.davfsCreate("office/gone.docx", "bye");
        int before = s.commitCount();
        c.move("office/gone.docx", "office/gone.docx~");
        c.delete("office/gone.docx~");
        assertThat(c.messagesSince(before)).containsExactly("DELETE office/gone.docx");
        assertThat(Git.id(s, "office/gone.docx")).isNull();
        assertThat(c.status("office/gone.docx")).isEqualTo(404);
    }

    @Test
    void aDocumentMovedAwayThenOnToAnotherNameIsARename() throws Exception {
        c.davfsCreate("office/old name.docx", "text");
        int before = s.commitCount();
        c.move("office/old name.docx", "office/~WRL0003.tmp");
        c.move("office/~WRL0003.tmp", "office/new name.docx");
        assertThat(c.messagesSince(before)).containsExactly("MOVE office/old name.docx -> office/new name.docx");
        assertThat(Git.id(s, "office/old name.docx")).isNull();
        assertThat(c.read("office/new name.docx")).isEqualTo("text");
        assertThat(c.followLog("office/new name.docx")).hasSize(2);
    }
}
