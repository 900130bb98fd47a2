package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.text.Normalizer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** macOS Finder sends names in NFD; the NFD and NFC spellings of a name reach the same file. */
class FinderNfdNamesTest {
    static final String NFC = Normalizer.normalize("Café Über.txt", Normalizer.Form.NFC);
    static final String NFD = Normalizer.normalize("Café Über.txt", Normalizer.Form.NFD);

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        assertThat(NFC).isNotEqualTo(NFD);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @Test
    void nfdAndNfcReachTheSameFile() throws Exception {
        Dav.mkcol(s, "f1");
        HttpResponse<String> put = s.put(Dav.enc("f1/" + NFC), "one");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

        HttpResponse<String> get = s.get(Dav.enc("f1/" + NFD));
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("one");

        HttpResponse<String> again = s.put(Dav.enc("f1/" + NFD), "two");
        assertThat(again.statusCode()).as("NFD PUT replaces the NFC file: " + again.body()).isEqualTo(204);
        assertThat(s.get(Dav.enc("f1/" + NFC)).body()).isEqualTo("two");

        MultiStatus ms = Dav.props(s, "f1/", "1");
        assertThat(ms.resources()).hasSize(2);
    }

    @Test
    void aFileFinderCreatesInNfdIsFoundUnderNfc() throws Exception {
        Dav.mkcol(s, "f2");
        HttpResponse<String> put = s.put(Dav.enc("f2/" + NFD), "finder");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(s.get(Dav.enc("f2/" + NFC)).body()).isEqualTo("finder");
        MultiStatus ms = Dav.props(s, "f2/", "1");
        assertThat(ms.resources()).hasSize(2);
        assertThat(Normalizer.normalize(ms.get("f2/" + NFC).text("displayname"), Normalizer.Form.NFC)).isEqualTo(NFC);

        HttpResponse<String> del = Dav.delete(s, Dav.enc("f2/" + NFD));
        assertThat(del.statusCode()).as(del.body()).isEqualTo(204);
        assertThat(s.get(Dav.enc("f2/" + NFC)).statusCode()).isEqualTo(404);
    }

    @Test
    void foldersAndDestinationsInNfdAreTheSameAsInNfc() throws Exception {
        String folderNfc = Normalizer.normalize("Zürich", Normalizer.Form.NFC);
        String folderNfd = Normalizer.normalize("Zürich", Normalizer.Form.NFD);
        HttpResponse<String> mk = Dav.mkcol(s, Dav.enc(folderNfd));
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        assertThat(Dav.mkcol(s, Dav.enc(folderNfc)).statusCode()).isEqualTo(405);
        assertThat(s.put(Dav.enc(folderNfc + "/a.txt"), "a").statusCode()).isEqualTo(201);

        HttpResponse<String> mv = Dav.move(s, Dav.enc(folderNfc + "/a.txt"), Dav.enc(folderNfd + "/" + NFD));
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        assertThat(s.get(Dav.enc(folderNfc + "/" + NFC)).body()).isEqualTo("a");
    }
}
