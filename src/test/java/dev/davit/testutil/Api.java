package dev.davit.testutil;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The REST API of a {@link TestServer}: {@code http://127.0.0.1:PORT/api/repos/demo/sample/...}, as demo
 * unless another user is given. Bodies are JSON text; {@link #json} parses an answer.
 */
public final class Api {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private final TestServer server;
    private final String authorization;

    public Api(TestServer server) {
        this(server, TestServer.USER, TestServer.PASSWORD);
    }

    public Api(TestServer server, String user, String password) {
        this(server, TestServer.basic(user, password), true);
    }

    private Api(TestServer server, String authorization, boolean unused) {
        this.server = server;
        this.authorization = authorization;
    }

    /** Requests with this {@code Authorization} value (a token: {@code token X}, {@code Bearer X}); null for none. */
    public static Api withAuthorization(TestServer server, String authorization) {
        return new Api(server, authorization, true);
    }

    /** {@code http://127.0.0.1:PORT/api/repos/demo/sample}. */
    public String repoUrl() {
        return server.server.baseUrl() + "api/repos/demo/sample";
    }

    /** Sends {@code method} to {@code /api/repos/demo/sample + suffix} (already encoded) with header pairs. */
    public HttpResponse<String> send(String method, String suffix, String body, String... headers)
            throws IOException, InterruptedException {
        return sendTo(method, repoUrl() + suffix, body, headers);
    }

    /** Sends to an absolute URL. */
    public HttpResponse<String> sendTo(String method, String url, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return server.http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    public HttpResponse<String> get(String suffix, String... headers) throws IOException, InterruptedException {
        return send("GET", suffix, null, headers);
    }

    /** PUT contents/{path} with {@code text} as content, {@code sha} (null for none) and a message. */
    public HttpResponse<String> putFile(String path, String text, String sha, String... headers) throws IOException, InterruptedException {
        ObjectNode body = MAPPER.createObjectNode().put("message", "put " + path).put("content", b64(text));
        if (sha != null) {
            body.put("sha", sha);
        }
        return send("PUT", "/contents/" + path, body.toString(), headers);
    }

    /** The blob sha of a file as the contents API reports it. */
    public String sha(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/contents/" + path);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET contents/" + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return json(r).get("sha").asText();
    }

    public static JsonNode json(HttpResponse<String> r) {
        try {
            return MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    public static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String unb64(String content) {
        return new String(Base64.getMimeDecoder().decode(content), StandardCharsets.UTF_8);
    }
}
