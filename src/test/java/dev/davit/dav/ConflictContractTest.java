package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.MiniJson;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * The 409 contract: writes into a missing parent or under a file, stale If-Match, If-None-Match: * on
 * an existing resource. Each answer names the case, the path, the current version and the client's,
 * as XML DAV:error or JSON, and a refused write changes nothing.
 */
class ConflictContractTest {
    static final String NS = "urn:davit:error";
    static final String BOGUS = "\"0000000000000000000000000000000000000000\"";

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

    /** Entity tags compared without their quotes (the body may carry them either way). */
    static String bare(String etag) {
        return etag == null ? null : etag.replace("\"", "");
    }

    static Element el(Element parent, String local) {
        Element e = MultiStatus.child(parent, NS, local);
        assertThat(e).as("v:" + local + " in the error body").isNotNull();
        return e;
    }

    /** Parses a DAV:error body and checks that it names {@code errorCase}. */
    static Element xmlError(HttpResponse<String> r, String errorCase) {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("xml");
        Document d = MultiStatus.xml(r.body());
        Element root = d.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo("DAV:");
        assertThat(root.getLocalName()).isEqualTo("error");
        el(root, errorCase);
        return root;
    }

    static Map<String, Object> json(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/json");
        Map<String, Object> j = MiniJson.object(r.body());
        assertThat(j).containsKeys("error", "message", "path", "current", "yours", "lock", "missing");
        assertThat(j.get("lock")).isNull();
        assertThat((String) j.get("message")).isNotBlank();
        return j;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Map<String, Object> j, String key) {
        assertThat(j.get(key)).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) j.get(key);
    }

    /** PUTs v1 then v2 to {@code path}; returns {stale etag, current etag}. */
    static String[] twoVersions(String path) throws Exception {
        HttpResponse<String> p1 = s.put(path, "v1");
        assertThat(p1.statusCode()).as(p1.body()).isIn(201, 204);
        HttpResponse<String> p2 = s.put(path, "v2");
        assertThat(p2.statusCode()).as(p2.body()).isEqualTo(204);
        return new String[] {p1.headers().firstValue("ETag").orElseThrow(), p2.headers().firstValue("ETag").orElseThrow()};
    }

    // ---- stale If-Match -------------------------------------------------------------------------

    @Test
    void stalePutIs409WithAnXmlBodyNamingBothVersions() throws Exception {
        String[] v = twoVersions("stale-put.txt");
        int before = s.commitCount();
        String head = s.head();

        HttpResponse<String> r = s.put("stale-put.txt", "v3", "If-Match", v[0]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(v[1]);
        assertThat(r.headers().firstValue("X-Revision")).contains(head);
        Element root = xmlError(r, "stale");
        assertThat(el(root, "message").getTextContent()).isNotBlank();
        assertThat(el(root, "path").getTextContent()).isEqualTo("stale-put.txt");
        Element current = el(root, "current");
        assertThat(bare(el(current, "etag").getTextContent())).isEqualTo(bare(v[1]));
        assertThat(el(current, "revision").getTextContent()).isEqualTo(head);
        assertThat(bare(el(el(root, "yours"), "etag").getTextContent())).isEqualTo(bare(v[0]));

        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.head()).isEqualTo(head);
        assertThat(s.get("stale-put.txt").body()).isEqualTo("v2");
    }

    @Test
    void stalePutAnswersJsonWhenAskedFor() throws Exception {
        String[] v = twoVersions("stale-json.txt");
        String head = s.head();
        HttpResponse<String> r = s.put("stale-json.txt", "v3", "If-Match", v[0], "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(v[1]);
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("stale");
        assertThat(j.get("path")).isEqualTo("stale-json.txt");
        assertThat(bare((String) obj(j, "current").get("etag"))).isEqualTo(bare(v[1]));
        assertThat(obj(j, "current").get("revision")).isEqualTo(head);
        assertThat(bare((String) obj(j, "yours").get("etag"))).isEqualTo(bare(v[0]));
        assertThat(j.get("missing")).isNull();
        assertThat(s.get("stale-json.txt").body()).isEqualTo("v2");
    }

    @Test
    void aCurrentIfMatchIsAccepted() throws Exception {
        String[] v = twoVersions("fresh.txt");
        HttpResponse<String> r = s.put("fresh.txt", "v3", "If-Match", v[1]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.get("fresh.txt").body()).isEqualTo("v3");
    }

    @Test
    void staleDeleteIs409AndKeepsTheFile() throws Exception {
        String[] v = twoVersions("stale-del.txt");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.delete(s, "stale-del.txt", "If-Match", v[0]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(v[1]);
        Element root = xmlError(r, "stale");
        assertThat(bare(el(el(root, "current"), "etag").getTextContent())).isEqualTo(bare(v[1]));
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("stale-del.txt").body()).isEqualTo("v2");
    }

    @Test
    void staleMoveIsCheckedAgainstTheSource() throws Exception {
        String[] v = twoVersions("stale-mv.txt");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.move(s, "stale-mv.txt", "stale-mv-dst.txt", "If-Match", v[0]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(v[1]);
        assertThat(el(xmlError(r, "stale"), "path").getTextContent()).isEqualTo("stale-mv.txt");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("stale-mv.txt").body()).isEqualTo("v2");
        assertThat(s.get("stale-mv-dst.txt").statusCode()).isEqualTo(404);

        HttpResponse<String> ok = Dav.move(s, "stale-mv.txt", "stale-mv-dst.txt", "If-Match", v[1]);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    }

    @Test
    void staleCopyIsCheckedAgainstTheDestination() throws Exception {
        s.put("cp-src.txt", "source");
        String[] dst = twoVersions("cp-dst.txt");
        String srcEtag = s.get("cp-src.txt").headers().firstValue("ETag").orElseThrow();
        int before = s.commitCount();

        HttpResponse<String> r = Dav.copy(s, "cp-src.txt", "cp-dst.txt", "If-Match", srcEtag);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(dst[1]);
        Element root = xmlError(r, "stale");
        assertThat(el(root, "path").getTextContent()).isEqualTo("cp-dst.txt");
        assertThat(bare(el(el(root, "current"), "etag").getTextContent())).isEqualTo(bare(dst[1]));
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("cp-dst.txt").body()).isEqualTo("v2");

        HttpResponse<String> staleDst = Dav.copy(s, "cp-src.txt", "cp-dst.txt", "If-Match", dst[0]);
        assertThat(staleDst.statusCode()).as(staleDst.body()).isEqualTo(409);

        HttpResponse<String> ok = Dav.copy(s, "cp-src.txt", "cp-dst.txt", "If-Match", dst[1]);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        assertThat(s.get("cp-dst.txt").body()).isEqualTo("source");
    }

    @Test
    void staleProppatchIs409AndSetsNothing() throws Exception {
        String[] v = twoVersions("stale-pp.txt");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.proppatch(s, "stale-pp.txt", Dav.setProps("<Z:k xmlns:Z=\"urn:z\">v</Z:k>"), "If-Match", v[0]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(v[1]);
        xmlError(r, "stale");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(Dav.props(s, "stale-pp.txt", "0").get("stale-pp.txt").prop("{urn:z}k")).isNull();
    }

    @Test
    void ifNoneMatchStarOnAnExistingResourceIs409() throws Exception {
        s.put("inm.txt", "there");
        String etag = s.get("inm.txt").headers().firstValue("ETag").orElseThrow();
        int before = s.commitCount();
        HttpResponse<String> r = s.put("inm.txt", "overwrite", "If-None-Match", "*");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(etag);
        Element root = xmlError(r, "stale");
        assertThat(bare(el(el(root, "current"), "etag").getTextContent())).isEqualTo(bare(etag));
        assertThat(el(el(root, "yours"), "etag").getTextContent()).isEqualTo("*");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("inm.txt").body()).isEqualTo("there");
    }

    @Test
    void ifNoneMatchStarOnANewResourceCreatesIt() throws Exception {
        HttpResponse<String> r = s.put("inm-new.txt", "new", "If-None-Match", "*");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void ifMatchOnAMissingResourceIs409WithoutEtag() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = s.put("gone.txt", "x", "If-Match", BOGUS, "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).isEmpty();
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("stale");
        assertThat(obj(j, "current").get("etag")).isNull();
        assertThat(obj(j, "current").get("revision")).isEqualTo(s.head());
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("gone.txt").statusCode()).isEqualTo(404);
    }

    // ---- missing parent / parent not a collection ----------------------------------------------

    @Test
    void putIntoAMissingFolderIs409NamingTheFirstMissingAncestor() throws Exception {
        int before = s.commitCount();
        String head = s.head();
        HttpResponse<String> r = s.put("docs/nope/deeper/f.txt", "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("X-Revision")).contains(head);
        assertThat(r.headers().firstValue("ETag")).isEmpty();
        Element root = xmlError(r, "missing-parent");
        assertThat(el(root, "missing").getTextContent()).isEqualTo("docs/nope");
        assertThat(el(root, "path").getTextContent()).isEqualTo("docs/nope/deeper/f.txt");
        assertThat(el(el(root, "current"), "revision").getTextContent()).isEqualTo(head);
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("docs/nope/").statusCode()).isEqualTo(404);
    }

    @Test
    void missingParentAnswersJsonWhenAskedFor() throws Exception {
        HttpResponse<String> r = s.put("nope/deeper/f.txt", "x", "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("missing-parent");
        assertThat(j.get("missing")).isEqualTo("nope");
        assertThat(j.get("path")).isEqualTo("nope/deeper/f.txt");
        assertThat(obj(j, "current").get("revision")).isEqualTo(s.head());
        assertThat(j.get("yours")).isNull();
    }

    @Test
    void mkcolIntoAMissingFolderIs409() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = s.send("MKCOL", "mk-nope/sub", null, "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("missing-parent");
        assertThat(j.get("missing")).isEqualTo("mk-nope");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("mk-nope/").statusCode()).isEqualTo(404);
    }

    @Test
    void copyIntoAMissingFolderIs409() throws Exception {
        s.put("cp-orphan.txt", "x");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.copy(s, "cp-orphan.txt", "cp-nope/x.txt", "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("missing-parent");
        assertThat(j.get("missing")).isEqualTo("cp-nope");
        assertThat(s.commitCount()).isEqualTo(before);
    }

    @Test
    void moveIntoAMissingFolderIs409AndKeepsTheSource() throws Exception {
        s.put("mv-orphan.txt", "x");
        int before = s.commitCount();
        HttpResponse<String> r = Dav.move(s, "mv-orphan.txt", "mv-nope/x.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Element root = xmlError(r, "missing-parent");
        assertThat(el(root, "missing").getTextContent()).isEqualTo("mv-nope");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("mv-orphan.txt").body()).isEqualTo("x");
    }

    @Test
    void putUnderAFileIs409ParentNotCollection() throws Exception {
        int before = s.commitCount();
        HttpResponse<String> r = s.put("README.md/child.txt", "x", "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Map<String, Object> j = json(r);
        assertThat(j.get("error")).isEqualTo("parent-not-collection");
        assertThat(j.get("missing")).isEqualTo("README.md");
        assertThat(s.commitCount()).isEqualTo(before);
        assertThat(s.get("README.md").body()).isEqualTo("# sample\n");

        HttpResponse<String> x = s.put("README.md/child.txt", "x");
        assertThat(x.statusCode()).as(x.body()).isEqualTo(409);
        xmlError(x, "parent-not-collection");
    }

    @Test
    void aRefusedWriteLeavesTheBlobStoreOfMainUnchanged() throws Exception {
        String[] v = twoVersions("nothing-half.txt");
        String tree = Git.id(s, "");
        s.put("nothing-half.txt", "v3", "If-Match", v[0]);
        s.put("nope-half/x.txt", "x");
        Dav.move(s, "nothing-half.txt", "nope-half/x.txt");
        assertThat(Git.id(s, "")).isEqualTo(tree);
    }
}
