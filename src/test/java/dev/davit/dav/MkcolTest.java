package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * MKCOL makes a folder that stays although git keeps no empty trees, and the hidden helper files
 * ({@code .davit*}) never show through PROPFIND or the GET listing.
 */
class MkcolTest {
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
    void anEmptyFolderIsListedAndReadable() throws Exception {
        HttpResponse<String> r = Dav.mkcol(s, "empty");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        MultiStatus root = Dav.props(s, "", "1");
        assertThat(root.get("empty/")).isNotNull();
        assertThat(root.get("empty/").isCollection()).isTrue();

        MultiStatus self = Dav.props(s, "empty/", "1");
        assertThat(self.paths()).containsExactly("/dav/demo/sample/empty/");

        HttpResponse<String> get = s.get("empty/");
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).doesNotContain(".davit");
    }

    @Test
    void aFolderStaysAfterItsOnlyFileIsDeleted() throws Exception {
        Dav.mkcol(s, "keep");
        s.put("keep/only.txt", "x");
        HttpResponse<String> del = Dav.delete(s, "keep/only.txt");
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);

        MultiStatus ms = Dav.props(s, "keep/", "1");
        assertThat(ms.paths()).containsExactly("/dav/demo/sample/keep/");
        assertThat(s.get("keep/").statusCode()).isEqualTo(200);
        assertThat(Dav.props(s, "", "1").get("keep/")).isNotNull();
    }

    @Test
    void aFolderMadeByPutsStaysAfterItsOnlyFileIsDeleted() throws Exception {
        // docs/ came from the import (no keep file); deleting all of its files keeps it too.
        Dav.mkcol(s, "viaput");
        Dav.mkcol(s, "viaput/inner");
        s.put("viaput/inner/a.txt", "a");
        Dav.delete(s, "viaput/inner/a.txt");
        assertThat(s.get("viaput/inner/").statusCode()).isEqualTo(200);
    }

    @Test
    void mkcolOnAnExistingResourceIs405AndChangesNothing() throws Exception {
        Dav.mkcol(s, "twice");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.mkcol(s, "twice");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(405);
        HttpResponse<String> onFile = Dav.mkcol(s, "README.md");
        assertThat(onFile.statusCode()).as(onFile.body()).isEqualTo(405);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void hiddenHelperFilesNeverShow() throws Exception {
        Dav.mkcol(s, "hid");
        Dav.mkcol(s, "hid/sub");
        s.put("hid/f.txt", "f");
        // Dead properties on a file and on folders create sidecars next to them.
        assertThat(Dav.proppatch(s, "hid/f.txt", Dav.setProps("<Z:a xmlns:Z=\"urn:z\">1</Z:a>")).statusCode()).isEqualTo(207);
        assertThat(Dav.proppatch(s, "hid/", Dav.setProps("<Z:b xmlns:Z=\"urn:z\">2</Z:b>")).statusCode()).isEqualTo(207);
        assertThat(Dav.proppatch(s, "", Dav.setProps("<Z:c xmlns:Z=\"urn:z\">3</Z:c>")).statusCode()).isEqualTo(207);

        HttpResponse<String> all = Dav.propfind(s, "", "infinity");
        assertThat(all.statusCode()).as(all.body()).isEqualTo(207);
        assertThat(MultiStatus.parse(all.body()).paths()).noneMatch(p -> p.contains(".davit"));
        assertThat(all.body()).doesNotContain(".davit");

        for (String folder : new String[] {"", "hid/", "hid/sub/"}) {
            HttpResponse<String> g = s.get(folder);
            assertThat(g.statusCode()).as(g.body()).isEqualTo(200);
            assertThat(g.body()).as("listing of /" + folder).doesNotContain(".davit");
        }
    }
}
