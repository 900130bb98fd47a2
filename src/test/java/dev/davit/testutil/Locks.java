package dev.davit.testutil;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * WebDAV class-2 shorthands over {@link TestServer}: LOCK bodies, the token of a LOCK answer, the
 * {@code If} header that submits it, and requests as a user other than demo.
 */
public final class Locks {
    private Locks() {
    }

    /** A {@code DAV:lockinfo} body; {@code scope} is "exclusive" or "shared", {@code ownerXml} null for none. */
    public static String lockInfo(String scope, String ownerXml) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:" + scope
                + "/></D:lockscope><D:locktype><D:write/></D:locktype>"
                + (ownerXml == null ? "" : "<D:owner>" + ownerXml + "</D:owner>") + "</D:lockinfo>";
    }

    /** LOCK as demo; {@code depth} null sends no Depth header. */
    public static HttpResponse<String> lock(TestServer s, String encodedPath, String scope, String depth, String ownerXml,
                                            String... headers) throws IOException, InterruptedException {
        return lockAs(s, TestServer.USER, TestServer.PASSWORD, encodedPath, scope, depth, ownerXml, headers);
    }

    public static HttpResponse<String> lockAs(TestServer s, String user, String password, String encodedPath, String scope,
                                              String depth, String ownerXml, String... headers) throws IOException, InterruptedException {
        List<String> h = new ArrayList<>(List.of("Content-Type", "application/xml; charset=utf-8"));
        if (depth != null) {
            h.add("Depth");
            h.add(depth);
        }
        h.addAll(List.of(headers));
        return sendAs(s, user, password, "LOCK", encodedPath, lockInfo(scope, ownerXml), h.toArray(String[]::new));
    }

    /** An exclusive Depth 0 lock as demo that must succeed (200 or 201); returns the token. */
    public static String lockFile(TestServer s, String encodedPath) throws IOException, InterruptedException {
        HttpResponse<String> r = lock(s, encodedPath, "exclusive", "0", "<D:href>demo</D:href>");
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new AssertionError("LOCK " + encodedPath + " answered " + r.statusCode() + ": " + r.body());
        }
        return token(r);
    }

    /** The token of a LOCK answer's {@code Lock-Token} header, without the angle brackets. */
    public static String token(HttpResponse<?> r) {
        String h = r.headers().firstValue("Lock-Token")
                .orElseThrow(() -> new AssertionError("no Lock-Token header in the " + r.statusCode() + " answer: " + r.body()));
        h = h.trim();
        if (!h.startsWith("<") || !h.endsWith(">")) {
            throw new AssertionError("Lock-Token is not a Coded-URL: " + h);
        }
        return h.substring(1, h.length() - 1);
    }

    /** {@code (<token>)}: the untagged If header that submits one token. */
    public static String ifToken(String token) {
        return "(<" + token + ">)";
    }

    /** UNLOCK as demo with {@code <token>}. */
    public static HttpResponse<String> unlock(TestServer s, String encodedPath, String token) throws IOException, InterruptedException {
        return s.send("UNLOCK", encodedPath, null, "Lock-Token", "<" + token + ">");
    }

    /** Sends a request authenticated as {@code user} instead of demo (text body, null for none). */
    public static HttpResponse<String> sendAs(TestServer s, String user, String password, String method, String encodedPath,
                                              String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = s.request(encodedPath).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        b.setHeader("Authorization", TestServer.basic(user, password));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code DAV:activelock} elements of a LOCK answer ({@code D:prop/D:lockdiscovery}). */
    public static List<Element> activeLocks(String lockResponseBody) {
        Document d = MultiStatus.xml(lockResponseBody);
        Element prop = d.getDocumentElement();
        if (!MultiStatus.DAV.equals(prop.getNamespaceURI()) || !"prop".equals(prop.getLocalName())) {
            throw new AssertionError("a LOCK answer's body is a DAV:prop, not: " + lockResponseBody);
        }
        Element discovery = MultiStatus.child(prop, MultiStatus.DAV, "lockdiscovery");
        if (discovery == null) {
            throw new AssertionError("no DAV:lockdiscovery in: " + lockResponseBody);
        }
        return MultiStatus.children(discovery, MultiStatus.DAV, "activelock");
    }

    /** The activelock elements inside a {@code DAV:lockdiscovery} property element. */
    public static List<Element> activeLocks(Element lockdiscovery) {
        return MultiStatus.children(lockdiscovery, MultiStatus.DAV, "activelock");
    }

    /** The text of {@code D:child/D:href} (or of {@code D:child} itself when it has no href). */
    public static String hrefIn(Element parent, String child) {
        Element c = MultiStatus.child(parent, MultiStatus.DAV, child);
        if (c == null) {
            return null;
        }
        Element href = MultiStatus.child(c, MultiStatus.DAV, "href");
        return (href == null ? c : href).getTextContent().trim();
    }

    /** The local name of the single element child of {@code D:child} (e.g. lockscope → exclusive). */
    public static String kindIn(Element parent, String child) {
        Element c = MultiStatus.child(parent, MultiStatus.DAV, child);
        if (c == null || MultiStatus.children(c).isEmpty()) {
            return null;
        }
        return MultiStatus.children(c).get(0).getLocalName();
    }

    /** The text of {@code D:child}. */
    public static String textIn(Element parent, String child) {
        Element c = MultiStatus.child(parent, MultiStatus.DAV, child);
        return c == null ? null : c.getTextContent().trim();
    }
}
