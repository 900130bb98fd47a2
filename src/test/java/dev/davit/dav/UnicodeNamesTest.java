package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/** UTF-8 names, spaces and a literal '%' round-trip through PUT, GET, PROPFIND and COPY. */
class UnicodeNamesTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        assertThat(Dav.mkcol(s, "names").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ünïcødé 文件.txt", "with space.txt", "100%.txt", "50% off & more+plus.txt", "emoji 😀.txt", "#hash;semi?.txt"})
    void aNameRoundTrips(String name) throws Exception {
        String path = "names/" + name;
        String content = "content of " + name;
        HttpResponse<String> put = s.put(Dav.enc(path), content);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(s.commitMessages().get(0)).isEqualTo("PUT " + path);
        assertThat(Git.bytes(s, path)).isEqualTo(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        HttpResponse<String> get = s.get(Dav.enc(path));
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);

        MultiStatus ms = Dav.props(s, "names/", "1");
        MultiStatus.Resource r = ms.get(path);
        assertThat(r).as("PROPFIND hrefs: " + ms.hrefs()).isNotNull();
        assertThat(r.href()).as("href is percent-encoded ASCII").matches("[A-Za-z0-9%/._~:!$&'()*+,;=@-]+");
        assertThat(r.href()).doesNotContain(" ");
        assertThat(MultiStatus.percentDecode(r.href())).endsWith("/dav/demo/sample/" + path);
        assertThat(r.text("displayname")).isEqualTo(name);

        String copyPath = "names/copy of " + name;
        HttpResponse<String> copy = Dav.copy(s, Dav.enc(path), Dav.enc(copyPath));
        assertThat(copy.statusCode()).as(copy.body()).isEqualTo(201);
        assertThat(s.get(Dav.enc(copyPath)).body()).isEqualTo(content);
    }
}
