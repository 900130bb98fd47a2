package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** A MOVE of a folder with 1,000 files is one commit, and all 1,000 are at the new place. */
class BigFolderMoveTest {
    static final int FILES = 1000;

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
    void moveOfAFolderWithAThousandFilesIsOneCommit() throws Exception {
        HttpResponse<String> mk = Dav.mkcol(s, "big");
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(201);
        for (int i = 0; i < FILES; i++) {
            HttpResponse<String> put = s.put("big/f" + i + ".txt", "file " + i);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        }
        int before = s.commitCount();

        HttpResponse<String> r = Dav.move(s, "big/", "moved/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("MOVE big -> moved");
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        assertThat(s.get("big/").statusCode()).isEqualTo(404);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            expected.add("moved/f" + i + ".txt");
        }
        assertThat(Git.files(s, "moved")).filteredOn(p -> !p.contains("/.davit")).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(Git.files(s, "big")).isEmpty();

        MultiStatus ms = Dav.props(s, "moved/", "1");
        assertThat(ms.resources()).hasSize(FILES + 1);
        for (int i = 0; i < FILES; i += 97) {
            HttpResponse<String> g = s.get("moved/f" + i + ".txt");
            assertThat(g.statusCode()).as(g.body()).isEqualTo(200);
            assertThat(g.body()).isEqualTo("file " + i);
        }
    }
}
