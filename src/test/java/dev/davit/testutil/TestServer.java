package dev.davit.testutil;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import dev.davit.config.ConfigLoader;
import dev.davit.server.DavitServer;

/**
 * The real server on port 0 over a fresh data directory, with {@code demo/sample} seeded from a small
 * tree ({@code README.md}, {@code docs/welcome.txt}), and a real HTTP client. Users: {@code demo/demo}
 * (read-write everywhere) and {@code reader/reader} (read-only).
 */
public final class TestServer implements AutoCloseable {
    public static final String USER = "demo";
    public static final String PASSWORD = "demo";

    public final DavitServer server;
    public final HttpClient http;
    public final Path dataDir;

    private TestServer(DavitServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static TestServer start(Path tempDir) throws Exception {
        return start(tempDir, Map.of());
    }

    /** Starts with extra settings (e.g. {@code conflict.stale.status=412}). */
    public static TestServer start(Path tempDir, Map<String, String> settings) throws Exception {
        return start(tempDir, settings, java.time.Clock.systemUTC());
    }

    /** With extra settings and a clock for lock expiry and authentication waits (a test's hand-moved one). */
    public static TestServer start(Path tempDir, Map<String, String> settings, java.time.Clock clock) throws Exception {
        Path sample = tempDir.resolve("sample");
        Files.createDirectories(sample.resolve("docs"));
        Files.writeString(sample.resolve("README.md"), "# sample\n");
        Files.writeString(sample.resolve("docs/welcome.txt"), "welcome\n");
        Path data = tempDir.resolve("data");
        Properties p = new Properties();
        p.setProperty("server.bind", "127.0.0.1");
        p.setProperty("server.port", "0");
        p.setProperty("data.dir", data.toString());
        p.setProperty("sample.repository", "demo/sample");
        p.setProperty("sample.source", sample.toString());
        p.setProperty("storage.durable", "false");
        p.setProperty("user.demo.password", PASSWORD);
        p.setProperty("user.demo.access", "*:rw");
        p.setProperty("user.reader.password", "reader");
        p.setProperty("user.reader.access", "*:r");
        settings.forEach(p::setProperty);
        DavitServer s = new DavitServer(ConfigLoader.fromProperties(p), clock);
        s.start();
        return new TestServer(s, data);
    }

    /** {@code http://127.0.0.1:PORT/dav/demo/sample/}. */
    public String base() {
        return server.baseUrl() + "dav/demo/sample/";
    }

    /** A request builder for a path below {@link #base()} (already encoded), authenticated as demo. */
    public HttpRequest.Builder request(String encodedPath) {
        return HttpRequest.newBuilder(URI.create(base() + encodedPath))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", basic(USER, PASSWORD));
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code method} with a text body (null for none) and header name/value pairs. */
    public HttpResponse<String> send(String method, String encodedPath, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(encodedPath).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> sendBytes(String method, String encodedPath, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(encodedPath).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<String> put(String encodedPath, String body, String... headers) throws IOException, InterruptedException {
        return send("PUT", encodedPath, body, headers);
    }

    public HttpResponse<String> get(String encodedPath, String... headers) throws IOException, InterruptedException {
        return send("GET", encodedPath, null, headers);
    }

    /**
     * The bare repository of demo/sample, brought up to date with every acknowledged write first: the disk
     * lags the commit log by design (README: Durability), and tests look at it as git outside the server would.
     */
    public Path bareRepository() {
        try {
            server.repositories().open("demo", "sample").applyToDisk();
        } catch (IOException | dev.davit.storage.NotFoundException e) {
            throw new java.io.UncheckedIOException(new IOException(e));
        }
        return dataDir.resolve("demo").resolve("sample.git");
    }

    /** Commit messages on main, newest first (first lines only). */
    public List<String> commitMessages() throws IOException {
        try (Repository r = new FileRepositoryBuilder().setGitDir(bareRepository().toFile()).setBare().build();
             RevWalk rw = new RevWalk(r)) {
            ObjectId head = r.resolve("refs/heads/main");
            List<String> out = new ArrayList<>();
            if (head == null) {
                return out;
            }
            rw.markStart(rw.parseCommit(head));
            for (RevCommit c : rw) {
                out.add(c.getShortMessage());
            }
            return out;
        }
    }

    public int commitCount() throws IOException {
        return commitMessages().size();
    }

    /** The head commit id of main. */
    public String head() throws IOException {
        try (Repository r = new FileRepositoryBuilder().setGitDir(bareRepository().toFile()).setBare().build()) {
            return r.resolve("refs/heads/main").name();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
