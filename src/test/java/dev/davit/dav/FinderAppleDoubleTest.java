package dev.davit.dav;

import static dev.davit.testutil.Locks.ifToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.Locks;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Desktop junk files (setting {@code junk.patterns}, default {@code .DS_Store,._*,Thumbs.db,desktop.ini,~$*}):
 * macOS Finder writes an AppleDouble {@code ._name} beside every file it copies and a {@code .DS_Store} in
 * every folder it opens; Explorer writes {@code Thumbs.db}/{@code desktop.ini}; Office its {@code ~$} owner
 * files. They behave like files over WebDAV while they exist, but never become commits.
 */
class FinderAppleDoubleTest {
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

    static void mkcol(String path) throws Exception {
        HttpResponse<String> r = Dav.mkcol(s, path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static boolean listed(String folder, String relativePath) throws Exception {
        return Dav.props(s, Dav.enc(folder), "1").get(relativePath) != null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"._report.pdf", ".DS_Store", "Thumbs.db", "~$doc.docx", "desktop.ini"})
    void aJunkFileIsServedButNeverCommitted(String name) throws Exception {
        String folder = "junk-" + Integer.toHexString(name.hashCode()) + "/";
        mkcol(folder);
        String path = folder + name;
        String enc = Dav.enc(path);
        int commits = s.commitCount();
        String head = s.head();

        HttpResponse<String> put = s.put(enc, "junk bytes of " + name);
        assertThat(put.statusCode()).as(put.body()).isIn(201, 204);
        assertThat(put.headers().firstValue("X-Revision")).as("X-Revision unchanged").contains(head);
        assertThat(s.commitCount()).as("no commit for " + name).isEqualTo(commits);
        assertThat(s.head()).isEqualTo(head);
        assertThat(Git.id(s, path)).as("not in the tree").isNull();

        HttpResponse<String> get = s.get(enc);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("junk bytes of " + name);
        assertThat(listed(folder, path)).as("PROPFIND Depth 1 of %s lists %s", folder, name).isTrue();

        HttpResponse<String> del = Dav.delete(s, enc);
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);
        assertThat(s.commitCount()).as("no commit for the DELETE").isEqualTo(commits);
        assertThat(s.get(enc).statusCode()).isEqualTo(404);
        assertThat(listed(folder, path)).isFalse();
    }

    @Test
    void overwritingAJunkFileIs204AndStillNoCommit() throws Exception {
        mkcol("junk-over/");
        int commits = s.commitCount();
        assertThat(s.put("junk-over/.DS_Store", "v1").statusCode()).isEqualTo(201);
        HttpResponse<String> again = s.put("junk-over/.DS_Store", "v2");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(204);
        assertThat(s.get("junk-over/.DS_Store").body()).isEqualTo("v2");
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void findersCopyCommitsTheFileButNotItsAppleDouble() throws Exception {
        mkcol("finder/");
        int commits = s.commitCount();
        assertThat(s.put("finder/report.pdf", "%PDF-1.7").statusCode()).isEqualTo(201);
        assertThat(s.put("finder/._report.pdf", "\u0000\u0005\u0016\u0007AppleDouble").statusCode()).isEqualTo(201);
        assertThat(s.put("finder/.DS_Store", "Bud1").statusCode()).isEqualTo(201);
        assertThat(s.commitCount()).isEqualTo(commits + 1);
        assertThat(Git.changedInHead(s)).containsExactly("finder/report.pdf");

        MultiStatus ms = Dav.props(s, "finder/", "1");
        assertThat(ms.get("finder/report.pdf")).isNotNull();
        assertThat(ms.get("finder/._report.pdf")).isNotNull();
        assertThat(ms.get("finder/._report.pdf").text("getcontentlength")).isEqualTo("15");
        assertThat(ms.get("finder/.DS_Store")).isNotNull();
    }

    @Test
    void findersRenameMovesTheAppleDoubleAsideWithoutACommit() throws Exception {
        mkcol("finder-mv/");
        s.put("finder-mv/._a.txt", "meta");
        int commits = s.commitCount();
        HttpResponse<String> mv = Dav.move(s, "finder-mv/._a.txt", "finder-mv/._b.txt");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("finder-mv/._a.txt").statusCode()).isEqualTo(404);
        assertThat(s.get("finder-mv/._b.txt").body()).isEqualTo("meta");
    }

    @Test
    void junkNamesMatchCaseInsensitivelyAndOnlyAsAWholeName() throws Exception {
        mkcol("junk-case/");
        int commits = s.commitCount();
        assertThat(s.put("junk-case/THUMBS.DB", "x").statusCode()).isEqualTo(201);
        assertThat(s.commitCount()).isEqualTo(commits);
        // Names that merely contain a junk pattern are ordinary files.
        assertThat(s.put("junk-case/notes._txt", "x").statusCode()).isEqualTo(201);
        assertThat(s.put("junk-case/my.DS_Store.txt", "x").statusCode()).isEqualTo(201);
        assertThat(s.commitCount()).isEqualTo(commits + 2);
    }

    @Test
    void aJunkFileInAMissingFolderIs409() throws Exception {
        HttpResponse<String> r = s.put("no-such-folder/.DS_Store", "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    }

    @Test
    void deletingTheFolderDeletesItsJunkToo() throws Exception {
        mkcol("junk-gone/");
        s.put("junk-gone/a.txt", "a");
        s.put("junk-gone/.DS_Store", "junk");
        HttpResponse<String> del = Dav.delete(s, "junk-gone/");
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);
        mkcol("junk-gone/");
        assertThat(s.get("junk-gone/.DS_Store").statusCode()).as("no junk resurrected in a new folder of that name").isEqualTo(404);
        assertThat(listed("junk-gone/", "junk-gone/.DS_Store")).isFalse();
    }

    @Test
    void officesOwnerFileWrittenThroughExplorersLockSequenceMakesNoCommit() throws Exception {
        // Word opening a document on a mapped drive: Explorer LOCKs the new ~$ name, PUTs it with the
        // token, UNLOCKs. A LOCK of an unmapped junk name must not commit an empty file either.
        mkcol("office/");
        int commits = s.commitCount();
        HttpResponse<String> lock = Locks.lock(s, Dav.enc("office/~$report.docx"), "exclusive", "0",
                "<D:href>WORKGROUP\\demo</D:href>", "Timeout", "Second-3600");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(201);
        String token = Locks.token(lock);
        HttpResponse<String> put = s.put(Dav.enc("office/~$report.docx"), "owner: demo", "If", ifToken(token));
        assertThat(put.statusCode()).as(put.body()).isIn(201, 204);
        HttpResponse<String> unlock = s.send("UNLOCK", Dav.enc("office/~$report.docx"), null, "Lock-Token", token);
        assertThat(unlock.statusCode()).as(unlock.body()).isEqualTo(204);

        assertThat(s.get(Dav.enc("office/~$report.docx")).body()).isEqualTo("owner: demo");
        assertThat(s.commitMessages().subList(0, s.commitCount() - commits)).as("commits made").isEmpty();
        assertThat(Git.id(s, "office/~$report.docx")).isNull();
    }

    @Test
    void withAnEmptyJunkPatternsSettingJunkNamesAreCommitted(@TempDir Path dir) throws Exception {
        try (TestServer t = TestServer.start(dir, Map.of("junk.patterns", ""))) {
            int commits = t.commitCount();
            HttpResponse<String> r = t.put("docs/._report.pdf", "meta");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            HttpResponse<String> ds = t.put(".DS_Store", "Bud1");
            assertThat(ds.statusCode()).as(ds.body()).isEqualTo(201);
            assertThat(t.commitCount()).isEqualTo(commits + 2);
            assertThat(Git.id(t, "docs/._report.pdf")).isEqualTo(Git.blobId("meta"));
            assertThat(Git.id(t, ".DS_Store")).isEqualTo(Git.blobId("Bud1"));
            assertThat(t.commitMessages().get(0)).isEqualTo("PUT .DS_Store");
        }
    }
}
