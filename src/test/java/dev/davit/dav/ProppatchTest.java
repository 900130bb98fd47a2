package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
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
 * PROPPATCH (RFC 4918 §9.2): dead properties are stored in the repository, versioned in the same
 * commit, and a PROPPATCH is atomic.
 */
class ProppatchTest {
    static final String COLOR = "{urn:example:props}color";

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

    private static String color(String value) {
        return Dav.setProps("<E:color xmlns:E=\"urn:example:props\">" + value + "</E:color>");
    }

    @Test
    void aDeadPropertyIsStoredAndShownByPropfind() throws Exception {
        s.put("dp.txt", "content");
        HttpResponse<String> r = Dav.proppatch(s, "dp.txt", color("red"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        MultiStatus.Resource res = MultiStatus.parse(r.body()).get("dp.txt");
        assertThat(res.prop(COLOR).status()).isEqualTo(200);

        MultiStatus.Resource f = Dav.props(s, "dp.txt", "0").get("dp.txt");
        assertThat(f.prop(COLOR)).isNotNull();
        assertThat(f.prop(COLOR).status()).isEqualTo(200);
        assertThat(f.prop(COLOR).text()).isEqualTo("red");
    }

    @Test
    void theDeadPropertyIsCommittedAsAHiddenSidecarInTheSameCommit() throws Exception {
        s.put("sc.txt", "content");
        String blob = Git.id(s, "sc.txt");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.proppatch(s, "sc.txt", color("blue"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(s.commitCount()).isEqualTo(before + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("PROPPATCH sc.txt");
        assertThat(Git.changedInHead(s)).isNotEmpty()
                .allSatisfy(p -> assertThat(p.substring(p.lastIndexOf('/') + 1)).startsWith(".davit"));
        String sidecar = Git.changedInHead(s).get(0);
        assertThat(new String(Git.bytes(s, sidecar), java.nio.charset.StandardCharsets.UTF_8)).contains("blue");
        assertThat(Git.id(s, "sc.txt")).isEqualTo(blob);
    }

    @Test
    void aPastRevisionShowsThePropertyAsItWas() throws Exception {
        s.put("pv.txt", "content");
        assertThat(Dav.proppatch(s, "pv.txt", color("old")).statusCode()).isEqualTo(207);
        String oldRev = s.head();
        assertThat(Dav.proppatch(s, "pv.txt", color("new")).statusCode()).isEqualTo(207);

        assertThat(Dav.props(s, "pv.txt", "0").get("pv.txt").prop(COLOR).text()).isEqualTo("new");
        HttpResponse<String> past = Dav.propfind(s, "pv.txt?rev=" + oldRev, "0");
        assertThat(past.statusCode()).as(past.body()).isEqualTo(207);
        MultiStatus.Resource f = MultiStatus.parse(past.body()).get("pv.txt");
        assertThat(f.prop(COLOR).text()).isEqualTo("old");
    }

    @Test
    void removeDeletesTheProperty() throws Exception {
        s.put("rm.txt", "content");
        Dav.proppatch(s, "rm.txt", color("green"));
        String remove = "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:E=\"urn:example:props\">"
                + "<D:remove><D:prop><E:color/></D:prop></D:remove></D:propertyupdate>";
        HttpResponse<String> r = Dav.proppatch(s, "rm.txt", remove);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(s.commitMessages().get(0)).isEqualTo("PROPPATCH rm.txt");
        assertThat(Dav.props(s, "rm.txt", "0").get("rm.txt").prop(COLOR)).isNull();
    }

    @Test
    void aFolderCanCarryDeadProperties() throws Exception {
        Dav.mkcol(s, "pf");
        HttpResponse<String> r = Dav.proppatch(s, "pf/", color("folder"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        assertThat(Dav.props(s, "pf/", "0").get("pf/").prop(COLOR).text()).isEqualTo("folder");
    }

    @Test
    void settingAProtectedPropertyRefusesTheWholeRequestAndCommitsNothing() throws Exception {
        s.put("atomic.txt", "content");
        int before = s.commitCount();
        String head = s.head();
        String body = "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:E=\"urn:example:props\"><D:set><D:prop>"
                + "<E:color>purple</E:color><D:getetag>\"0123\"</D:getetag></D:prop></D:set></D:propertyupdate>";
        HttpResponse<String> r = Dav.proppatch(s, "atomic.txt", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        MultiStatus.Resource res = MultiStatus.parse(r.body()).get("atomic.txt");
        assertThat(res.prop("getetag").status()).as(r.body()).isEqualTo(403);
        assertThat(res.prop(COLOR).status()).as(r.body()).isEqualTo(424);

        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.head()).isEqualTo(head);
        MultiStatus.Resource f = Dav.props(s, "atomic.txt", "0").get("atomic.txt");
        assertThat(f.prop(COLOR)).isNull();
        assertThat(f.text("getetag")).isEqualTo(Git.quoted(Git.blobId("content")));
    }

    @Test
    void proppatchOfAMissingResourceIs404() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = Dav.proppatch(s, "ghost.txt", color("x"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void malformedProppatchBodyIs400() throws Exception {
        s.put("bad.txt", "x");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.proppatch(s, "bad.txt", "<D:propertyupdate xmlns:D=\"DAV:\"><D:set>");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void deadPropertiesTravelWithMoveAndCopy() throws Exception {
        s.put("travel.txt", "content");
        assertThat(Dav.proppatch(s, "travel.txt", color("yellow")).statusCode()).isEqualTo(207);
        HttpResponse<String> cp = Dav.copy(s, "travel.txt", "travel-copy.txt");
        assertThat(cp.statusCode()).as(cp.body()).isEqualTo(201);
        HttpResponse<String> mv = Dav.move(s, "travel.txt", "travel-moved.txt");
        assertThat(mv.statusCode()).as(mv.body()).isEqualTo(201);
        assertThat(Dav.props(s, "travel-copy.txt", "0").get("travel-copy.txt").prop(COLOR).text()).isEqualTo("yellow");
        assertThat(Dav.props(s, "travel-moved.txt", "0").get("travel-moved.txt").prop(COLOR).text()).isEqualTo("yellow");
        assertThat(Git.files(s, "")).noneMatch(p -> p.endsWith(".davitprops.travel.txt"));
    }

    @Test
    void aDeletedFilesPropertiesDoNotComeBackWithANewFileOfTheSameName() throws Exception {
        s.put("reborn.txt", "one");
        assertThat(Dav.proppatch(s, "reborn.txt", color("ghost")).statusCode()).isEqualTo(207);
        assertThat(Dav.delete(s, "reborn.txt").statusCode()).isEqualTo(204);
        assertThat(s.put("reborn.txt", "two").statusCode()).isEqualTo(201);
        assertThat(Dav.props(s, "reborn.txt", "0").get("reborn.txt").prop(COLOR)).isNull();
    }
}
