package dev.davit.dav;

import static dev.davit.testutil.Locks.ifToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Git;
import dev.davit.testutil.Locks;
import dev.davit.testutil.MiniJson;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.RestartableServer;
import dev.davit.testutil.TestServer;

/**
 * WebDAV class 2 end to end (RFC 4918 §6, §7, §9.10, §9.11, §10.4) with Davit's conflict contract:
 * a lock collision is 409 (423 by setting) with a body that names the lock but never its token, and a
 * token is only good for the principal who took the lock.
 */
class LockTest {
    static final String NS = "urn:davit:error";
    static final String PREFIX = "/dav/demo/sample/";
    static final String OWNER = "<D:href>mailto:demo@example.com</D:href>";
    static final Pattern TOKEN = Pattern.compile("opaquelocktoken:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static final Pattern SECONDS = Pattern.compile("Second-(\\d+)");
    static final long MAX_SECONDS = 3600; // locks.timeout.max.seconds default

    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of("user.bob.password", "bob", "user.bob.access", "*:rw"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    // ---- helpers --------------------------------------------------------------------------------

    static HttpResponse<String> asBob(String method, String path, String body, String... headers) throws Exception {
        return Locks.sendAs(s, "bob", "bob", method, path, body, headers);
    }

    static void create(String path, String content) throws Exception {
        HttpResponse<String> r = s.put(path, content);
        assertThat(r.statusCode()).as(r.body()).isIn(201, 204);
    }

    static void mkcol(String path) throws Exception {
        HttpResponse<String> r = Dav.mkcol(s, path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static String etag(String path) throws Exception {
        return s.get(path).headers().firstValue("ETag").orElseThrow();
    }

    static long seconds(String timeout) {
        Matcher m = SECONDS.matcher(timeout == null ? "" : timeout);
        assertThat(m.matches()).as("timeout %s", timeout).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A lock root href compared without a trailing slash (a folder's may carry one). */
    static String unslashed(String href) {
        String d = MultiStatus.percentDecode(href);
        return d.endsWith("/") ? d.substring(0, d.length() - 1) : d;
    }

    /** Parses a DAV:error body and returns its root, checking it names {@code precondition} with the lock root. */
    static Element lockError(HttpResponse<String> r, String precondition, String lockRoot) {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(r.body()).contains("xml");
        Document d = MultiStatus.xml(r.body());
        Element root = d.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo("DAV:");
        assertThat(root.getLocalName()).isEqualTo("error");
        Element pre = MultiStatus.child(root, "DAV:", precondition);
        assertThat(pre).as("D:%s in %s", precondition, r.body()).isNotNull();
        Element href = MultiStatus.child(pre, "DAV:", "href");
        assertThat(href).as("D:href inside D:%s: %s", precondition, r.body()).isNotNull();
        assertThat(unslashed(href.getTextContent().trim())).isEqualTo(PREFIX + lockRoot);
        return root;
    }

    /** An exclusive Depth 0 lock with {@link #OWNER}; returns the token. */
    static String lockFile(String path) throws Exception {
        HttpResponse<String> r = Locks.lock(s, path, "exclusive", "0", OWNER);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        return Locks.token(r);
    }

    static Element v(Element parent, String local) {
        Element e = MultiStatus.child(parent, NS, local);
        assertThat(e).as("v:" + local).isNotNull();
        return e;
    }

    /** The one activelock of a LOCK answer. */
    static Element activeLock(HttpResponse<String> r) {
        List<Element> l = Locks.activeLocks(r.body());
        assertThat(l).as(r.body()).hasSize(1);
        return l.get(0);
    }

    static MultiStatus.Resource propfind0(String path) throws Exception {
        return Dav.props(s, path, "0").resources().get(0);
    }

    static void assertTokenNotIn(String body, String token) {
        assertThat(body).doesNotContain(token);
        assertThat(body).doesNotContain(token.substring("opaquelocktoken:".length()));
    }

    // ---- discovery ------------------------------------------------------------------------------

    @Test
    void optionsAdvertisesClass2AndLockMethods() throws Exception {
        HttpResponse<String> r = s.send("OPTIONS", "", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("DAV").orElse("").replace(" ", "")).isEqualTo("1,2");
        assertThat(r.headers().firstValue("Allow").orElse("")).contains("LOCK", "UNLOCK");
    }

    @Test
    void exclusiveDepth0LockOnAFileAnswersWithTokenAndLockdiscovery() throws Exception {
        create("lk-basic.txt", "x");
        int commits = s.commitCount();
        HttpResponse<String> r = Locks.lock(s, "lk-basic.txt", "exclusive", "0", OWNER, "Timeout", "Second-120");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(s.commitCount()).as("a LOCK of an existing file makes no commit").isEqualTo(commits);
        String header = r.headers().firstValue("Lock-Token").orElseThrow();
        assertThat(header).matches("<" + TOKEN.pattern() + ">");
        String token = Locks.token(r);

        Element al = activeLock(r);
        assertThat(Locks.kindIn(al, "locktype")).isEqualTo("write");
        assertThat(Locks.kindIn(al, "lockscope")).isEqualTo("exclusive");
        assertThat(Locks.textIn(al, "depth")).isEqualTo("0");
        Element owner = MultiStatus.child(al, "DAV:", "owner");
        assertThat(owner).as(r.body()).isNotNull();
        Element ownerHref = MultiStatus.child(owner, "DAV:", "href");
        assertThat(ownerHref).as("owner kept as XML: " + r.body()).isNotNull();
        assertThat(ownerHref.getTextContent()).isEqualTo("mailto:demo@example.com");
        assertThat(seconds(Locks.textIn(al, "timeout"))).isBetween(1L, 120L);
        assertThat(Locks.hrefIn(al, "locktoken")).isEqualTo(token);
        assertThat(MultiStatus.percentDecode(Locks.hrefIn(al, "lockroot"))).endsWith(PREFIX + "lk-basic.txt");
    }

    @Test
    void aTimeoutAboveTheMaximumIsCutToIt() throws Exception {
        create("lk-max.txt", "x");
        HttpResponse<String> r = Locks.lock(s, "lk-max.txt", "exclusive", "0", OWNER, "Timeout", "Infinite, Second-99999999");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(seconds(Locks.textIn(activeLock(r), "timeout"))).isBetween(MAX_SECONDS - 5, MAX_SECONDS);
    }

    @Test
    void propfindShowsLockdiscoveryAndSupportedlock() throws Exception {
        create("lk-prop.txt", "x");
        String token = lockFile("lk-prop.txt");
        MultiStatus.Resource res = propfind0("lk-prop.txt");

        MultiStatus.Prop disc = res.prop("lockdiscovery");
        assertThat(disc).isNotNull();
        assertThat(disc.status()).isEqualTo(200);
        List<Element> active = Locks.activeLocks(disc.element());
        assertThat(active).hasSize(1);
        assertThat(Locks.hrefIn(active.get(0), "locktoken")).isEqualTo(token);
        assertThat(Locks.kindIn(active.get(0), "lockscope")).isEqualTo("exclusive");

        MultiStatus.Prop supported = res.prop("supportedlock");
        assertThat(supported).isNotNull();
        assertThat(supported.status()).isEqualTo(200);
        List<String> scopes = MultiStatus.children(supported.element(), "DAV:", "lockentry").stream()
                .map(e -> Locks.kindIn(e, "lockscope")).toList();
        assertThat(scopes).containsExactlyInAnyOrder("exclusive", "shared");
        assertThat(MultiStatus.children(supported.element(), "DAV:", "lockentry"))
                .allSatisfy(e -> assertThat(Locks.kindIn(e, "locktype")).isEqualTo("write"));
    }

    @Test
    void anUnlockedResourceHasAnEmptyLockdiscovery() throws Exception {
        create("lk-none.txt", "x");
        MultiStatus.Prop disc = propfind0("lk-none.txt").prop("lockdiscovery");
        assertThat(disc).isNotNull();
        assertThat(Locks.activeLocks(disc.element())).isEmpty();
    }

    // ---- writes against a lock ------------------------------------------------------------------

    @Test
    void putWithoutTheTokenIs409NamingTheLockButNotItsToken() throws Exception {
        create("lk-put.txt", "before");
        String token = lockFile("lk-put.txt");
        String etag = etag("lk-put.txt");
        int commits = s.commitCount();
        String head = s.head();

        HttpResponse<String> r = s.put("lk-put.txt", "after");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("ETag")).contains(etag);
        assertThat(r.headers().firstValue("X-Revision")).contains(head);
        Element root = lockError(r, "lock-token-submitted", "lk-put.txt");
        Element lock = v(root, "lock");
        assertThat(MultiStatus.child(v(lock, "owner"), "DAV:", "href").getTextContent()).isEqualTo("mailto:demo@example.com");
        assertThat(v(lock, "scope").getTextContent()).isEqualTo("exclusive");
        assertThat(v(lock, "depth").getTextContent()).isEqualTo("0");
        assertThat(unslashed(v(lock, "root").getTextContent())).isEqualTo(PREFIX + "lk-put.txt");
        assertThat(java.time.Instant.parse(v(lock, "expires").getTextContent())).isAfter(java.time.Instant.now());
        assertThat(v(v(root, "current"), "revision").getTextContent()).isEqualTo(head);
        assertTokenNotIn(r.body(), token);

        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("lk-put.txt").body()).isEqualTo("before");
    }

    @Test
    @SuppressWarnings("unchecked")
    void putWithoutTheTokenAnswersJsonWhenAskedFor() throws Exception {
        create("lk-json.txt", "before");
        String token = lockFile("lk-json.txt");
        String etag = etag("lk-json.txt");
        HttpResponse<String> r = s.put("lk-json.txt", "after", "Accept", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/json");
        assertThat(r.headers().firstValue("ETag")).contains(etag);
        assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
        Map<String, Object> j = MiniJson.object(r.body());
        assertThat(j.get("error")).isEqualTo("locked");
        assertThat((String) j.get("message")).isNotBlank();
        Map<String, Object> current = (Map<String, Object>) j.get("current");
        assertThat(current.get("etag")).isEqualTo(etag);
        assertThat(current.get("revision")).isEqualTo(s.head());
        assertThat(j.get("lock")).as(r.body()).isInstanceOf(Map.class);
        Map<String, Object> lock = (Map<String, Object>) j.get("lock");
        assertThat((String) lock.get("owner")).contains("mailto:demo@example.com");
        assertThat(lock.get("scope")).isEqualTo("exclusive");
        assertThat(lock.get("depth")).isEqualTo("0");
        assertThat(unslashed((String) lock.get("root"))).isEqualTo(PREFIX + "lk-json.txt");
        assertThat(java.time.Instant.parse((String) lock.get("expires"))).isAfter(java.time.Instant.now());
        assertThat(lock).doesNotContainKey("token");
        assertTokenNotIn(r.body(), token);
        assertThat(s.get("lk-json.txt").body()).isEqualTo("before");
    }

    @Test
    void theLockRootOfANameWithSpacesAndUnicodeIsAPercentEncodedHref() throws Exception {
        String name = "lk dé ü.txt";
        create(Dav.enc(name), "x");
        String token = lockFile(Dav.enc(name));
        HttpResponse<String> r = s.put(Dav.enc(name), "y");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        Element href = MultiStatus.child(MultiStatus.child(MultiStatus.xml(r.body()).getDocumentElement(), "DAV:",
                "lock-token-submitted"), "DAV:", "href");
        assertThat(href.getTextContent()).isEqualTo(PREFIX + Dav.enc(name));
        HttpResponse<String> ok = s.put(Dav.enc(name), "y", "If", "<" + s.base() + Dav.enc(name) + "> " + ifToken(token));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
    }

    @Test
    void putWithTheTokenIs204() throws Exception {
        create("lk-ok.txt", "before");
        String token = lockFile("lk-ok.txt");
        HttpResponse<String> r = s.put("lk-ok.txt", "after", "If", ifToken(token));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.get("lk-ok.txt").body()).isEqualTo("after");
        // The lock outlives the write (it is keyed by path, not by content).
        HttpResponse<String> again = s.put("lk-ok.txt", "again");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    }

    @Test
    void deleteAndProppatchOfALockedFileNeedTheTokenToo() throws Exception {
        create("lk-other-writes.txt", "x");
        String token = lockFile("lk-other-writes.txt");
        int commits = s.commitCount();
        HttpResponse<String> del = Dav.delete(s, "lk-other-writes.txt");
        assertThat(del.statusCode()).as(del.body()).isEqualTo(409);
        lockError(del, "lock-token-submitted", "lk-other-writes.txt");
        HttpResponse<String> pp = Dav.proppatch(s, "lk-other-writes.txt", Dav.setProps("<Z:k xmlns:Z=\"urn:z\">v</Z:k>"));
        assertThat(pp.statusCode()).as(pp.body()).isEqualTo(409);
        assertThat(s.commitCount()).isEqualTo(commits);

        HttpResponse<String> ok = Dav.delete(s, "lk-other-writes.txt", "If", ifToken(token));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        // The lock ended with the resource: a new file there can be written without a token.
        HttpResponse<String> put = s.put("lk-other-writes.txt", "new");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    }

    // ---- lock against lock ----------------------------------------------------------------------

    @Test
    void aSecondExclusiveLockIs409NoConflictingLock() throws Exception {
        create("lk-twice.txt", "x");
        String token = lockFile("lk-twice.txt");
        String etag = etag("lk-twice.txt");
        int commits = s.commitCount();
        for (HttpResponse<String> r : List.of(
                Locks.lock(s, "lk-twice.txt", "exclusive", "0", "<D:href>another session</D:href>"),
                Locks.lockAs(s, "bob", "bob", "lk-twice.txt", "shared", "0", "<D:href>bob</D:href>"))) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(r.headers().firstValue("Lock-Token")).isEmpty();
            assertThat(r.headers().firstValue("ETag")).contains(etag);
            assertThat(r.headers().firstValue("X-Revision")).contains(s.head());
            Element root = lockError(r, "no-conflicting-lock", "lk-twice.txt");
            assertThat(v(v(root, "lock"), "scope").getTextContent()).isEqualTo("exclusive");
            assertTokenNotIn(r.body(), token);
        }
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void sharedAndSharedBothSucceed() throws Exception {
        create("lk-shared.txt", "x");
        HttpResponse<String> a = Locks.lock(s, "lk-shared.txt", "shared", "0", "<D:href>a</D:href>");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        HttpResponse<String> b = Locks.lockAs(s, "bob", "bob", "lk-shared.txt", "shared", "0", "<D:href>b</D:href>");
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        assertThat(Locks.token(a)).isNotEqualTo(Locks.token(b));
        assertThat(Locks.kindIn(activeLock(b), "lockscope")).isEqualTo("shared");

        List<Element> active = Locks.activeLocks(propfind0("lk-shared.txt").prop("lockdiscovery").element());
        assertThat(active).extracting(e -> Locks.hrefIn(e, "locktoken")).containsExactlyInAnyOrder(Locks.token(a), Locks.token(b));

        HttpResponse<String> ex = Locks.lock(s, "lk-shared.txt", "exclusive", "0", null);
        assertThat(ex.statusCode()).as(ex.body()).isEqualTo(409);
        HttpResponse<String> none = s.put("lk-shared.txt", "nobody's");
        assertThat(none.statusCode()).as("no token at all: " + none.body()).isEqualTo(409);
    }

    @Test
    void eachSharedLockHolderCanWriteWithItsOwnToken() throws Exception {
        // RFC 4918 §6.2: "any principal that has both access privileges and a valid lock can use the locked
        // resource"; mod_dav asks for one of the resource's tokens. Nobody could write otherwise, since a
        // holder cannot use another principal's token.
        create("lk-shared-write.txt", "x");
        HttpResponse<String> a = Locks.lock(s, "lk-shared-write.txt", "shared", "0", "<D:href>a</D:href>");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        HttpResponse<String> b = Locks.lockAs(s, "bob", "bob", "lk-shared-write.txt", "shared", "0", "<D:href>b</D:href>");
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        HttpResponse<String> bobPut = asBob("PUT", "lk-shared-write.txt", "bob's", "If", ifToken(Locks.token(b)));
        assertThat(bobPut.statusCode()).as(bobPut.body()).isEqualTo(204);
        HttpResponse<String> demoPut = s.put("lk-shared-write.txt", "demo's", "If", ifToken(Locks.token(a)));
        assertThat(demoPut.statusCode()).as(demoPut.body()).isEqualTo(204);
        assertThat(s.get("lk-shared-write.txt").body()).isEqualTo("demo's");
    }

    @Test
    void aLockWithoutBodyAndWithTheTokenRefreshesIt() throws Exception {
        create("lk-refresh.txt", "x");
        String token = lockFile("lk-refresh.txt");
        HttpResponse<String> r = s.send("LOCK", "lk-refresh.txt", null, "If", ifToken(token), "Timeout", "Second-100");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Element al = activeLock(r);
        assertThat(seconds(Locks.textIn(al, "timeout"))).isBetween(95L, 100L);
        assertThat(Locks.hrefIn(al, "locktoken")).isEqualTo(token);
        assertThat(seconds(Locks.textIn(Locks.activeLocks(propfind0("lk-refresh.txt").prop("lockdiscovery").element()).get(0),
                "timeout"))).isBetween(95L, 100L);
    }

    @Test
    void aRefreshThroughAMemberOfALockedFolderRefreshesTheFolderLock() throws Exception {
        // litmus indirect_refresh: the Request-URI is inside the lock's scope, not its root.
        mkcol("lk-indirect");
        create("lk-indirect/member.txt", "x");
        HttpResponse<String> l = Locks.lock(s, "lk-indirect/", "exclusive", "infinity", OWNER);
        assertThat(l.statusCode()).as(l.body()).isEqualTo(200);
        String token = Locks.token(l);
        HttpResponse<String> r = s.send("LOCK", "lk-indirect/member.txt", null, "If", ifToken(token), "Timeout", "Second-100");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Element al = activeLock(r);
        assertThat(Locks.hrefIn(al, "locktoken")).isEqualTo(token);
        assertThat(unslashed(Locks.hrefIn(al, "lockroot"))).isEqualTo(PREFIX + "lk-indirect");
        assertThat(seconds(Locks.textIn(al, "timeout"))).isBetween(95L, 100L);
    }

    @Test
    void aLockWithDepth1Is400() throws Exception {
        mkcol("lk-depth1");
        HttpResponse<String> r = Locks.lock(s, "lk-depth1/", "exclusive", "1", OWNER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Lock-Token")).isEmpty();
    }

    @Test
    void aRefreshWithAnUnknownTokenIs412() throws Exception {
        create("lk-refresh-bad.txt", "x");
        lockFile("lk-refresh-bad.txt");
        HttpResponse<String> r = s.send("LOCK", "lk-refresh-bad.txt", null,
                "If", "(<opaquelocktoken:00000000-0000-0000-0000-000000000000>)", "Timeout", "Second-100");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(412);
    }

    // ---- UNLOCK ---------------------------------------------------------------------------------

    @Test
    void unlockWithTheTokenIs204AndThePathIsFreeAgain() throws Exception {
        create("lk-unlock.txt", "x");
        String token = lockFile("lk-unlock.txt");
        int commits = s.commitCount();
        HttpResponse<String> r = Locks.unlock(s, "lk-unlock.txt", token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(s.commitCount()).as("UNLOCK makes no commit").isEqualTo(commits);
        HttpResponse<String> put = s.put("lk-unlock.txt", "free");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        assertThat(Locks.activeLocks(propfind0("lk-unlock.txt").prop("lockdiscovery").element())).isEmpty();
    }

    @Test
    void unlockWithAWrongTokenIs409AndKeepsTheLock() throws Exception {
        create("lk-unlock-bad.txt", "x");
        create("lk-unlock-elsewhere.txt", "x");
        String token = lockFile("lk-unlock-bad.txt");
        String elsewhere = lockFile("lk-unlock-elsewhere.txt");

        HttpResponse<String> unknown = Locks.unlock(s, "lk-unlock-bad.txt", "opaquelocktoken:00000000-0000-0000-0000-000000000000");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(409);
        HttpResponse<String> otherPath = Locks.unlock(s, "lk-unlock-bad.txt", elsewhere);
        assertThat(otherPath.statusCode()).as("a token of a lock on another path: " + otherPath.body()).isEqualTo(409);
        assertThat(MultiStatus.xml(otherPath.body()).getDocumentElement().getElementsByTagNameNS("DAV:", "lock-token-matches-request-uri")
                .getLength()).as(otherPath.body()).isEqualTo(1);

        HttpResponse<String> put = s.put("lk-unlock-bad.txt", "y");
        assertThat(put.statusCode()).as("still locked: " + put.body()).isEqualTo(409);
        assertThat(Locks.unlock(s, "lk-unlock-bad.txt", token).statusCode()).isEqualTo(204);
    }

    @Test
    void unlockWithoutALockTokenHeaderIs400() throws Exception {
        create("lk-unlock-none.txt", "x");
        HttpResponse<String> r = s.send("UNLOCK", "lk-unlock-none.txt", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    }

    // ---- the token belongs to its principal -----------------------------------------------------

    @Test
    void anotherUserCannotWriteWithTheLockOwnersToken() throws Exception {
        create("lk-bob-put.txt", "demo's");
        String token = lockFile("lk-bob-put.txt");
        int commits = s.commitCount();
        HttpResponse<String> r = asBob("PUT", "lk-bob-put.txt", "bob's", "If", ifToken(token));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        lockError(r, "lock-token-submitted", "lk-bob-put.txt");
        assertTokenNotIn(r.body(), token);
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("lk-bob-put.txt").body()).isEqualTo("demo's");
    }

    @Test
    void anotherUserCannotUnlockTheLock() throws Exception {
        create("lk-bob-unlock.txt", "x");
        String token = lockFile("lk-bob-unlock.txt");
        HttpResponse<String> r = asBob("UNLOCK", "lk-bob-unlock.txt", null, "Lock-Token", "<" + token + ">");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        HttpResponse<String> put = s.put("lk-bob-unlock.txt", "y");
        assertThat(put.statusCode()).as("the lock is still there: " + put.body()).isEqualTo(409);
    }

    @Test
    void anotherUserCannotRefreshTheLock() throws Exception {
        create("lk-bob-refresh.txt", "x");
        String token = lockFile("lk-bob-refresh.txt");
        HttpResponse<String> r = asBob("LOCK", "lk-bob-refresh.txt", null, "If", ifToken(token), "Timeout", "Second-100");
        assertThat(r.statusCode()).as(r.body()).isIn(403, 409, 412);
    }

    @Test
    void aReadOnlyUserCannotLock() throws Exception {
        create("lk-reader.txt", "x");
        HttpResponse<String> r = Locks.lockAs(s, "reader", "reader", "lk-reader.txt", "exclusive", "0", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(s.put("lk-reader.txt", "y").statusCode()).isEqualTo(204);
    }

    // ---- folders --------------------------------------------------------------------------------

    @Test
    void aDepthInfinityLockOnAFolderCoversNewMembers() throws Exception {
        mkcol("lk-tree");
        mkcol("lk-tree/sub");
        HttpResponse<String> l = Locks.lock(s, "lk-tree/", "exclusive", "infinity", OWNER);
        assertThat(l.statusCode()).as(l.body()).isEqualTo(200);
        assertThat(Locks.textIn(activeLock(l), "depth")).isEqualTo("infinity");
        String token = Locks.token(l);
        int commits = s.commitCount();

        HttpResponse<String> no = s.put("lk-tree/new.txt", "x");
        assertThat(no.statusCode()).as(no.body()).isEqualTo(409);
        lockError(no, "lock-token-submitted", "lk-tree");
        HttpResponse<String> deep = s.put("lk-tree/sub/deep.txt", "x");
        assertThat(deep.statusCode()).as(deep.body()).isEqualTo(409);
        HttpResponse<String> mk = Dav.mkcol(s, "lk-tree/newdir");
        assertThat(mk.statusCode()).as(mk.body()).isEqualTo(409);
        assertThat(s.commitCount()).isEqualTo(commits);

        HttpResponse<String> yes = s.put("lk-tree/new.txt", "x", "If", ifToken(token));
        assertThat(yes.statusCode()).as(yes.body()).isEqualTo(201);
        HttpResponse<String> yesDeep = s.put("lk-tree/sub/deep.txt", "x", "If", ifToken(token));
        assertThat(yesDeep.statusCode()).as(yesDeep.body()).isEqualTo(201);
        // A member lists the folder's lock in its lockdiscovery.
        List<Element> active = Locks.activeLocks(propfind0("lk-tree/sub/deep.txt").prop("lockdiscovery").element());
        assertThat(active).extracting(e -> Locks.hrefIn(e, "locktoken")).containsExactly(token);
        assertThat(unslashed(Locks.hrefIn(active.get(0), "lockroot"))).isEqualTo(PREFIX + "lk-tree");
    }

    @Test
    void deleteOfAFolderThatHoldsALockedFileIs409AndChangesNothing() throws Exception {
        mkcol("lk-del-dir");
        create("lk-del-dir/locked.txt", "keep");
        create("lk-del-dir/free.txt", "keep too");
        String token = lockFile("lk-del-dir/locked.txt");
        int commits = s.commitCount();

        HttpResponse<String> r = Dav.delete(s, "lk-del-dir/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        lockError(r, "lock-token-submitted", "lk-del-dir/locked.txt");
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("lk-del-dir/locked.txt").body()).isEqualTo("keep");
        assertThat(s.get("lk-del-dir/free.txt").body()).isEqualTo("keep too");

        HttpResponse<String> ok = Dav.delete(s, "lk-del-dir/", "If", "<" + s.base() + "lk-del-dir/locked.txt> " + ifToken(token));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        assertThat(s.get("lk-del-dir/locked.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void moveOfAFolderThatHoldsALockedFileIs409AndChangesNothing() throws Exception {
        mkcol("lk-mv-dir");
        create("lk-mv-dir/locked.txt", "keep");
        lockFile("lk-mv-dir/locked.txt");
        int commits = s.commitCount();

        HttpResponse<String> r = Dav.move(s, "lk-mv-dir/", "lk-mv-moved/");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        lockError(r, "lock-token-submitted", "lk-mv-dir/locked.txt");
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("lk-mv-dir/locked.txt").body()).isEqualTo("keep");
        assertThat(s.get("lk-mv-moved/locked.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void aDepth0LockOnAFolderGuardsItsMembershipNotItsMembersContent() throws Exception {
        mkcol("lk-zero");
        create("lk-zero/existing.txt", "x");
        HttpResponse<String> l = Locks.lock(s, "lk-zero/", "exclusive", "0", OWNER);
        assertThat(l.statusCode()).as(l.body()).isEqualTo(200);
        String token = Locks.token(l);

        HttpResponse<String> add = s.put("lk-zero/new.txt", "x");
        assertThat(add.statusCode()).as(add.body()).isEqualTo(409);
        lockError(add, "lock-token-submitted", "lk-zero");
        HttpResponse<String> edit = s.put("lk-zero/existing.txt", "y");
        assertThat(edit.statusCode()).as("a member's content is not covered by a depth-0 lock: " + edit.body()).isEqualTo(204);
        // The lock is on the folder, not on the new member, so the list names the folder (an untagged
        // list would be about lk-zero/new.txt, which holds no lock: false, 412).
        HttpResponse<String> addWith = s.put("lk-zero/new.txt", "x", "If", "<" + s.base() + "lk-zero/> " + ifToken(token));
        assertThat(addWith.statusCode()).as(addWith.body()).isEqualTo(201);
    }

    // ---- LOCK of an unmapped URL ----------------------------------------------------------------

    @Test
    void lockOfAnUnmappedUrlCreatesAnEmptyFileCommittedAtUnlockWhenNoPutCame() throws Exception {
        int commits = s.commitCount();
        HttpResponse<String> r = Locks.lock(s, "lk-new.txt", "exclusive", "0", OWNER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String token = Locks.token(r);
        assertThat(Locks.hrefIn(activeLock(r), "locktoken")).isEqualTo(token);
        assertThat(s.commitCount()).as("the empty file waits aside for the holder's PUT").isEqualTo(commits);
        // RFC 4918 §7.3: the resource exists from the LOCK on.
        HttpResponse<String> g = s.get("lk-new.txt");
        assertThat(g.statusCode()).as(g.body()).isEqualTo(200);
        assertThat(g.body()).isEmpty();
        assertThat(propfind0("lk-new.txt").text("getcontentlength")).isEqualTo("0");

        assertThat(Locks.unlock(s, "lk-new.txt", token).statusCode()).isEqualTo(204);
        assertThat(s.commitCount()).isEqualTo(commits + 1);
        assertThat(s.commitMessages().get(0)).isEqualTo("Save lk-new.txt (new empty file)");
        assertThat(Git.id(s, "lk-new.txt")).isEqualTo(Git.blobId(""));
        assertThat(s.get("lk-new.txt").body()).isEmpty();
    }

    @Test
    void lockUnderAMissingParentIs409AndCreatesNothing() throws Exception {
        int commits = s.commitCount();
        HttpResponse<String> r = Locks.lock(s, "lk-nope/deeper/new.txt", "exclusive", "0", OWNER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.headers().firstValue("Lock-Token")).isEmpty();
        assertThat(s.commitCount()).isEqualTo(commits);
        assertThat(s.get("lk-nope/").statusCode()).isEqualTo(404);
        // No lock was left behind either: the URL can be locked once its folder exists.
        mkcol("lk-nope");
        mkcol("lk-nope/deeper");
        HttpResponse<String> later = Locks.lockAs(s, "bob", "bob", "lk-nope/deeper/new.txt", "exclusive", "0", null);
        assertThat(later.statusCode()).as(later.body()).isEqualTo(201);
    }

    // ---- MOVE / COPY of a locked file -----------------------------------------------------------

    @Test
    void moveOfALockedFileWithTheTokenLeavesNoLockBehind() throws Exception {
        create("lk-mv-src.txt", "x");
        String token = lockFile("lk-mv-src.txt");
        HttpResponse<String> r = Dav.move(s, "lk-mv-src.txt", "lk-mv-dst.txt", "If", ifToken(token));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        HttpResponse<String> atSource = s.put("lk-mv-src.txt", "new");
        assertThat(atSource.statusCode()).as("no lock left at the source: " + atSource.body()).isEqualTo(201);
        HttpResponse<String> atTarget = s.put("lk-mv-dst.txt", "changed");
        assertThat(atTarget.statusCode()).as("a lock does not move with its resource: " + atTarget.body()).isEqualTo(204);
        assertThat(Locks.activeLocks(propfind0("lk-mv-dst.txt").prop("lockdiscovery").element())).isEmpty();
        assertThat(Locks.unlock(s, "lk-mv-src.txt", token).statusCode()).as("the token is gone").isEqualTo(409);
    }

    @Test
    void copyOfALockedFileCarriesNoLock() throws Exception {
        create("lk-cp-src.txt", "x");
        String token = lockFile("lk-cp-src.txt");
        HttpResponse<String> r = Dav.copy(s, "lk-cp-src.txt", "lk-cp-dst.txt");
        assertThat(r.statusCode()).as("a COPY only reads its source: " + r.body()).isEqualTo(201);
        assertThat(Locks.activeLocks(propfind0("lk-cp-dst.txt").prop("lockdiscovery").element())).isEmpty();
        HttpResponse<String> put = s.put("lk-cp-dst.txt", "changed");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        // The source keeps its lock.
        assertThat(Locks.activeLocks(propfind0("lk-cp-src.txt").prop("lockdiscovery").element()))
                .extracting(e -> Locks.hrefIn(e, "locktoken")).containsExactly(token);
    }

    @Test
    void copyOntoALockedFileNeedsItsToken() throws Exception {
        create("lk-cp-from.txt", "new content");
        create("lk-cp-onto.txt", "old");
        String token = lockFile("lk-cp-onto.txt");
        HttpResponse<String> r = Dav.copy(s, "lk-cp-from.txt", "lk-cp-onto.txt");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(s.get("lk-cp-onto.txt").body()).isEqualTo("old");
        HttpResponse<String> ok = Dav.copy(s, "lk-cp-from.txt", "lk-cp-onto.txt",
                "If", "<" + s.base() + "lk-cp-onto.txt> " + ifToken(token));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        assertThat(s.get("lk-cp-onto.txt").body()).isEqualTo("new content");
    }

    // ---- the If header end to end ---------------------------------------------------------------

    @Test
    void tokenOrNotNoLockIsAccepted() throws Exception {
        create("lk-not-nolock.txt", "x");
        String token = lockFile("lk-not-nolock.txt");
        HttpResponse<String> r = s.put("lk-not-nolock.txt", "y", "If", ifToken(token) + " (Not <DAV:no-lock>)");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    @Test
    void noLockAloneIs412() throws Exception {
        create("lk-nolock.txt", "x");
        create("lk-nolock-free.txt", "x");
        lockFile("lk-nolock.txt");
        HttpResponse<String> locked = s.put("lk-nolock.txt", "y", "If", "(<DAV:no-lock>)");
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(412);
        HttpResponse<String> free = s.put("lk-nolock-free.txt", "y", "If", "(<DAV:no-lock>)");
        assertThat(free.statusCode()).as(free.body()).isEqualTo(412);
        assertThat(s.get("lk-nolock-free.txt").body()).isEqualTo("x");
    }

    @Test
    void aNegatedTokenIsNotASubmittedToken() throws Exception {
        create("lk-not-token.txt", "x");
        String token = lockFile("lk-not-token.txt");
        HttpResponse<String> r = s.put("lk-not-token.txt", "y", "If", "(Not <" + token + ">)");
        assertThat(r.statusCode()).as("milton let this through (milton-ce.md §1.3 d): " + r.body()).isIn(409, 412);
        assertThat(s.get("lk-not-token.txt").body()).isEqualTo("x");
    }

    @Test
    void theTokenWithAStaleEntityTagIs412() throws Exception {
        create("lk-etag.txt", "x");
        String token = lockFile("lk-etag.txt");
        String etag = etag("lk-etag.txt");
        HttpResponse<String> stale = s.put("lk-etag.txt", "y", "If", "(<" + token + "> [\"0000000000000000000000000000000000000000\"])");
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);
        HttpResponse<String> fresh = s.put("lk-etag.txt", "y", "If", "(<" + token + "> [" + etag + "])");
        assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(204);
    }

    @Test
    void aTaggedListNamingTheLockRootByAbsoluteUrlIsAccepted() throws Exception {
        // neon (litmus, cadaver, davfs2) tags its lists with the absolute URL of the lock root.
        mkcol("lk-tagged");
        create("lk-tagged/a.txt", "x");
        String fileToken = lockFile("lk-tagged/a.txt");
        HttpResponse<String> r = s.put("lk-tagged/a.txt", "y", "If", "<" + s.base() + "lk-tagged/a.txt> " + ifToken(fileToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);

        HttpResponse<String> folderLock = Locks.lock(s, "lk-tagged/", "exclusive", "infinity", OWNER);
        assertThat(folderLock.statusCode()).as(folderLock.body()).isEqualTo(409); // a.txt's lock is below it
        assertThat(Locks.unlock(s, "lk-tagged/a.txt", fileToken).statusCode()).isEqualTo(204);
        HttpResponse<String> again = Locks.lock(s, "lk-tagged/", "exclusive", "infinity", OWNER);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        String folderToken = Locks.token(again);
        HttpResponse<String> member = s.put("lk-tagged/b.txt", "z", "If", "<" + s.base() + "lk-tagged/> " + ifToken(folderToken));
        assertThat(member.statusCode()).as(member.body()).isEqualTo(201);
    }

    @Test
    void aTaggedListAboutAnotherResourceDoesNotCount() throws Exception {
        create("lk-tag-a.txt", "x");
        create("lk-tag-b.txt", "x");
        String token = lockFile("lk-tag-a.txt");
        // The token is right but the list is about lk-tag-b.txt, which does not hold that lock (milton accepted this).
        HttpResponse<String> r = s.put("lk-tag-a.txt", "y", "If", "<" + s.base() + "lk-tag-b.txt> " + ifToken(token));
        assertThat(r.statusCode()).as(r.body()).isIn(409, 412);
        assertThat(s.get("lk-tag-a.txt").body()).isEqualTo("x");
    }

    @Test
    void aMalformedIfHeaderIs400() throws Exception {
        create("lk-bad-if.txt", "x");
        HttpResponse<String> r = s.put("lk-bad-if.txt", "y", "If", "(<opaquelocktoken:unterminated");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(s.get("lk-bad-if.txt").body()).isEqualTo("x");
    }

    // ---- settings, restart, expiry (servers of their own) ---------------------------------------

    @Test
    void withLockStatus423TheCollisionsAnswer423(@TempDir Path dir) throws Exception {
        try (TestServer t = TestServer.start(dir, Map.of("conflict.lock.status", "423"))) {
            t.put("locked.txt", "x");
            String token = Locks.lockFile(t, "locked.txt");
            HttpResponse<String> put = t.put("locked.txt", "y");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(423);
            assertThat(MultiStatus.xml(put.body()).getDocumentElement().getElementsByTagNameNS("DAV:", "lock-token-submitted")
                    .getLength()).as(put.body()).isEqualTo(1);
            HttpResponse<String> lock = Locks.lock(t, "locked.txt", "exclusive", "0", null);
            assertThat(lock.statusCode()).as(lock.body()).isEqualTo(423);
            HttpResponse<String> ok = t.put("locked.txt", "y", "If", ifToken(token));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        }
    }

    @Test
    void locksSurviveARestart(@TempDir Path dir) throws Exception {
        try (RestartableServer rs = RestartableServer.start(dir, Map.of())) {
            TestServer first = rs.server();
            first.put("kept.txt", "x");
            String token = Locks.lockFile(first, "kept.txt");
            int commits = first.commitCount();

            TestServer second = rs.restart();
            assertThat(second.commitCount()).isEqualTo(commits);
            HttpResponse<String> no = second.put("kept.txt", "y");
            assertThat(no.statusCode()).as(no.body()).isEqualTo(409);
            HttpResponse<String> yes = second.put("kept.txt", "y", "If", ifToken(token));
            assertThat(yes.statusCode()).as(yes.body()).isEqualTo(204);
            assertThat(Locks.unlock(second, "kept.txt", token).statusCode()).isEqualTo(204);
            assertThat(second.put("kept.txt", "z").statusCode()).isEqualTo(204);
        }
    }

    @Test
    void aLockExpires(@TempDir Path dir) throws Exception {
        try (TestServer t = TestServer.start(dir, Map.of("locks.timeout.max.seconds", "1"))) {
            t.put("short.txt", "x");
            HttpResponse<String> l = Locks.lock(t, "short.txt", "exclusive", "0", null, "Timeout", "Second-60");
            assertThat(l.statusCode()).as(l.body()).isEqualTo(200);
            assertThat(seconds(Locks.textIn(activeLock(l), "timeout"))).isLessThanOrEqualTo(1);
            assertThat(t.put("short.txt", "y").statusCode()).as("locked at first").isEqualTo(409);
            Thread.sleep(1500);
            HttpResponse<String> r = t.put("short.txt", "y");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
            HttpResponse<String> relock = Locks.lock(t, "short.txt", "exclusive", "0", null);
            assertThat(relock.statusCode()).as(relock.body()).isEqualTo(200);
        }
    }
}
