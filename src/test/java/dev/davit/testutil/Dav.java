package dev.davit.testutil;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** WebDAV request shorthands over {@link TestServer} (paths are decoded; they are encoded here). */
public final class Dav {
    public static final String ALLPROP = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>";

    private Dav() {
    }

    /** Percent-encodes each segment of a decoded path as UTF-8 (RFC 3986 unreserved characters stay). */
    public static String enc(String decodedPath) {
        List<String> out = new ArrayList<>();
        for (String seg : decodedPath.split("/", -1)) {
            StringBuilder sb = new StringBuilder();
            for (byte b : seg.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xFF;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                    sb.append((char) c);
                } else {
                    sb.append('%').append(String.format("%02X", c));
                }
            }
            out.add(sb.toString());
        }
        return String.join("/", out);
    }

    /** PROPFIND allprop; {@code depth} null sends no Depth header. */
    public static HttpResponse<String> propfind(TestServer s, String encodedPath, String depth, String... headers)
            throws IOException, InterruptedException {
        List<String> h = new ArrayList<>(List.of("Content-Type", "application/xml; charset=utf-8"));
        if (depth != null) {
            h.add("Depth");
            h.add(depth);
        }
        h.addAll(List.of(headers));
        return s.send("PROPFIND", encodedPath, ALLPROP, h.toArray(String[]::new));
    }

    /** PROPFIND allprop, asserting nothing, parsed (throws when the body is not a multistatus). */
    public static MultiStatus props(TestServer s, String encodedPath, String depth) throws IOException, InterruptedException {
        HttpResponse<String> r = propfind(s, encodedPath, depth);
        if (r.statusCode() != 207) {
            throw new AssertionError("PROPFIND " + encodedPath + " answered " + r.statusCode() + ": " + r.body());
        }
        return MultiStatus.parse(r.body());
    }

    /** A propertyupdate body with one {@code D:set} of the given property elements. */
    public static String setProps(String propElements) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
                + propElements + "</D:prop></D:set></D:propertyupdate>";
    }

    public static HttpResponse<String> proppatch(TestServer s, String encodedPath, String body, String... headers)
            throws IOException, InterruptedException {
        List<String> h = new ArrayList<>(List.of("Content-Type", "application/xml; charset=utf-8"));
        h.addAll(List.of(headers));
        return s.send("PROPPATCH", encodedPath, body, h.toArray(String[]::new));
    }

    /** The absolute Destination URL of a path in demo/sample. */
    public static String dest(TestServer s, String encodedPath) {
        return s.base() + encodedPath;
    }

    public static HttpResponse<String> copy(TestServer s, String from, String to, String... headers) throws IOException, InterruptedException {
        return move("COPY", s, from, to, headers);
    }

    public static HttpResponse<String> move(TestServer s, String from, String to, String... headers) throws IOException, InterruptedException {
        return move("MOVE", s, from, to, headers);
    }

    private static HttpResponse<String> move(String method, TestServer s, String from, String to, String... headers)
            throws IOException, InterruptedException {
        List<String> h = new ArrayList<>(List.of("Destination", dest(s, to)));
        h.addAll(List.of(headers));
        return s.send(method, from, null, h.toArray(String[]::new));
    }

    public static HttpResponse<String> mkcol(TestServer s, String encodedPath) throws IOException, InterruptedException {
        return s.send("MKCOL", encodedPath, null);
    }

    public static HttpResponse<String> delete(TestServer s, String encodedPath, String... headers) throws IOException, InterruptedException {
        return s.send("DELETE", encodedPath, null, headers);
    }
}
