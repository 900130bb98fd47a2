package dev.davit.dav;

import static dev.davit.testutil.Locks.ifToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Locks;
import dev.davit.testutil.MultiStatus;
import dev.davit.testutil.TestServer;

/**
 * Windows Explorer's (mini-redirector's) copy of a new file onto the drive: LOCK the new name, PUT 0
 * bytes, PUT the content, PROPPATCH the Win32 times and attributes, UNLOCK with the token sent without
 * angle brackets. Every step must succeed or Explorer reports the copy as failed.
 */
class WindowsExplorerUploadTest {
    static final String MS = "urn:schemas-microsoft-com:";
    static final String NAME = "New Text Document.txt";
    static final String CREATED = "Mon, 01 Jun 2026 10:00:00 GMT";
    static final String MODIFIED = "Tue, 02 Jun 2026 11:30:00 GMT";
    static final String ACCESSED = "Wed, 03 Jun 2026 12:45:00 GMT";

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

    static String explorerLockBody() {
        return "<?xml version=\"1.0\" encoding=\"utf-8\" ?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
                + "<D:locktype><D:write/></D:locktype><D:owner><D:href>WORKGROUP\\demo</D:href></D:owner></D:lockinfo>";
    }

    static String win32Props() {
        return "<?xml version=\"1.0\" encoding=\"utf-8\" ?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"" + MS + "\"><D:set><D:prop>"
                + "<Z:Win32CreationTime>" + CREATED + "</Z:Win32CreationTime>"
                + "<Z:Win32LastAccessTime>" + ACCESSED + "</Z:Win32LastAccessTime>"
                + "<Z:Win32LastModifiedTime>" + MODIFIED + "</Z:Win32LastModifiedTime>"
                + "<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>"
                + "</D:prop></D:set></D:propertyupdate>";
    }

    /** Explorer's whole sequence on {@code path}; returns the content it uploaded. */
    static String upload(String path) throws Exception {
        String content = "hello from Windows\r\n";
        HttpResponse<String> lock = s.send("LOCK", path, explorerLockBody(),
                "Content-Type", "text/xml; charset=\"utf-8\"", "Timeout", "Second-3600");
        assertThat(lock.statusCode()).as("LOCK " + lock.body()).isEqualTo(201);
        String token = Locks.token(lock);

        HttpResponse<String> empty = s.put(path, "", "If", ifToken(token));
        assertThat(empty.statusCode()).as("PUT 0 bytes " + empty.body()).isIn(200, 201, 204);

        HttpResponse<String> full = s.put(path, content, "If", ifToken(token));
        assertThat(full.statusCode()).as("PUT " + full.body()).isIn(200, 201, 204);

        HttpResponse<String> pp = Dav.proppatch(s, path, win32Props(), "If", ifToken(token));
        assertThat(pp.statusCode()).as("PROPPATCH " + pp.body()).isEqualTo(207);
        MultiStatus.Resource res = MultiStatus.parse(pp.body()).resources().get(0);
        for (String p : new String[] {"Win32CreationTime", "Win32LastAccessTime", "Win32LastModifiedTime", "Win32FileAttributes"}) {
            assertThat(res.prop("{" + MS + "}" + p)).as(p + " in " + pp.body()).isNotNull();
            assertThat(res.prop("{" + MS + "}" + p).status()).as(p + " in " + pp.body()).isEqualTo(200);
        }

        // Windows sends the Lock-Token of UNLOCK without the angle brackets of RFC 4918 §10.5.
        HttpResponse<String> unlock = s.send("UNLOCK", path, null, "Lock-Token", token);
        assertThat(unlock.statusCode()).as("UNLOCK " + unlock.body()).isEqualTo(204);
        return content;
    }

    @Test
    void theWholeSequenceSucceedsAndTheContentIsThere() throws Exception {
        String path = Dav.enc(NAME);
        String content = upload(path);
        HttpResponse<String> get = s.get(path);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);
        // The lock is gone: a write without a token works.
        HttpResponse<String> after = s.put(path, "edited");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(204);
    }

    @Test
    void theWin32PropertiesAreServedBack() throws Exception {
        String path = Dav.enc("docs/Report 2026.txt");
        upload(path);
        String body = "<?xml version=\"1.0\" encoding=\"utf-8\" ?><D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"" + MS + "\"><D:prop>"
                + "<Z:Win32CreationTime/><Z:Win32LastModifiedTime/><Z:Win32FileAttributes/><D:getcontentlength/>"
                + "</D:prop></D:propfind>";
        HttpResponse<String> r = s.send("PROPFIND", path, body, "Depth", "0", "Content-Type", "application/xml");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
        MultiStatus.Resource res = MultiStatus.parse(r.body()).get("docs/Report 2026.txt");
        assertThat(res).as(r.body()).isNotNull();
        assertThat(res.prop("{" + MS + "}Win32CreationTime").text()).isEqualTo(CREATED);
        assertThat(res.prop("{" + MS + "}Win32LastModifiedTime").text()).isEqualTo(MODIFIED);
        assertThat(res.prop("{" + MS + "}Win32FileAttributes").text()).isEqualTo("00000020");
        assertThat(res.prop("{" + MS + "}Win32FileAttributes").status()).isEqualTo(200);
        assertThat(res.text("getcontentlength")).isEqualTo("20");
    }

    @Test
    void theWin32PropertiesAreInAllprop() throws Exception {
        String path = Dav.enc("allprop win.txt");
        upload(path);
        MultiStatus.Resource res = Dav.props(s, path, "0").get("allprop win.txt");
        assertThat(res.prop("{" + MS + "}Win32LastModifiedTime")).isNotNull();
        assertThat(res.prop("{" + MS + "}Win32LastModifiedTime").text()).isEqualTo(MODIFIED);
    }

    @Test
    void theProppatchWithoutTheTokenIsRefusedWhileLocked() throws Exception {
        String path = Dav.enc("locked win.txt");
        HttpResponse<String> lock = s.send("LOCK", path, explorerLockBody(), "Content-Type", "text/xml", "Timeout", "Second-3600");
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(201);
        String token = Locks.token(lock);
        HttpResponse<String> pp = Dav.proppatch(s, path, win32Props());
        assertThat(pp.statusCode()).as(pp.body()).isEqualTo(409);
        assertThat(s.send("UNLOCK", path, null, "Lock-Token", token).statusCode()).isEqualTo(204);
    }
}
