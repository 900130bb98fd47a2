package dev.davit.dav;

import static dev.davit.testutil.Locks.ifToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.davit.testutil.Dav;
import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/**
 * The requests a mounted drive sends for what a program does to its files (davfs2 with locks on, Windows'
 * redirector), so each client's save can be replayed request by request and its commits counted. Every step
 * asserts its status, so a refused step fails the test where it happens.
 */
final class DriveClient {
    final TestServer s;

    DriveClient(TestServer s) {
        this.s = s;
    }

    /** LOCK of a path (new or existing), Depth 0, exclusive, as davfs2 and Explorer send it; the token. */
    String lock(String path, int expected) throws Exception {
        HttpResponse<String> r = Locks.lock(s, Dav.enc(path), "exclusive", "0", "<D:href>WORKGROUP\\demo</D:href>",
                "Timeout", "Second-3600");
        assertThat(r.statusCode()).as("LOCK " + path + ": " + r.body()).isEqualTo(expected);
        return Locks.token(r);
    }

    void unlock(String path, String token) throws Exception {
        HttpResponse<String> r = s.send("UNLOCK", Dav.enc(path), null, "Lock-Token", "<" + token + ">");
        assertThat(r.statusCode()).as("UNLOCK " + path + ": " + r.body()).isEqualTo(204);
    }

    /** PUT with the lock's token (null: none) and header pairs. */
    void put(String path, String content, String token, String... headers) throws Exception {
        List<String> h = new ArrayList<>(Arrays.asList(headers));
        if (token != null) {
            h.add("If");
            h.add(ifToken(token));
        }
        HttpResponse<String> r = s.put(Dav.enc(path), content, h.toArray(String[]::new));
        assertThat(r.statusCode()).as("PUT " + path + ": " + r.body()).isIn(200, 201, 204);
    }

    /** davfs2's creation of a new file with content: LOCK the new URL, PUT If-None-Match: * with the token, UNLOCK. */
    void davfsCreate(String path, String content) throws Exception {
        String token = lock(path, 201);
        put(path, content, token, "If-None-Match", "*");
        unlock(path, token);
    }

    /** davfs2's upload of a changed existing file on close: LOCK, PUT with the token, UNLOCK. */
    void davfsWrite(String path, String content) throws Exception {
        String token = lock(path, 200);
        put(path, content, token);
        unlock(path, token);
    }

    /** rename(2) through the mount: MOVE with Overwrite: T (and the tokens given, if any). */
    void move(String from, String to, String... tokens) throws Exception {
        List<String> h = new ArrayList<>(List.of("Overwrite", "T"));
        if (tokens.length > 0) {
            StringBuilder sb = new StringBuilder();
            for (String t : tokens) {
                sb.append(ifToken(t));
            }
            h.add("If");
            h.add(sb.toString());
        }
        HttpResponse<String> r = Dav.move(s, Dav.enc(from), Dav.enc(to), h.toArray(String[]::new));
        assertThat(r.statusCode()).as("MOVE " + from + " -> " + to + ": " + r.body()).isIn(201, 204);
    }

    void delete(String path, String... headers) throws Exception {
        HttpResponse<String> r = Dav.delete(s, Dav.enc(path), headers);
        assertThat(r.statusCode()).as("DELETE " + path + ": " + r.body()).isEqualTo(204);
    }

    /** Explorer's PROPPATCH of the Win32 times and attributes after an upload. */
    void win32Times(String path, String token) throws Exception {
        HttpResponse<String> r = Dav.proppatch(s, Dav.enc(path), WindowsExplorerUploadTest.win32Props(),
                token == null ? new String[0] : new String[] {"If", ifToken(token)});
        assertThat(r.statusCode()).as("PROPPATCH " + path + ": " + r.body()).isEqualTo(207);
        assertThat(r.body()).as(r.body()).doesNotContain("HTTP/1.1 4");
    }

    /** What GET answers now (the body), failing unless 200. */
    String read(String path) throws Exception {
        HttpResponse<String> r = s.get(Dav.enc(path));
        assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    int status(String path) throws Exception {
        return s.get(Dav.enc(path)).statusCode();
    }

    /** {@code git <args>} on the bare repository (brought up to date first); its output. */
    String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "--git-dir=" + s.bareRepository()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** The subjects of {@code git log --follow} of a path, newest first. */
    List<String> followLog(String path) throws Exception {
        return Arrays.asList(git("log", "--follow", "--format=%s", "main", "--", path).strip().split("\n"));
    }

    /** Every path any commit on any ref touched. */
    List<String> namesInHistory() throws Exception {
        return Arrays.stream(git("log", "--all", "--name-only", "--format=").split("\n")).filter(l -> !l.isBlank()).distinct().toList();
    }

    /** The messages of the commits made since {@code before} commits, oldest first. */
    List<String> messagesSince(int before) throws Exception {
        List<String> m = new ArrayList<>(s.commitMessages().subList(0, s.commitCount() - before));
        java.util.Collections.reverse(m);
        return m;
    }
}
