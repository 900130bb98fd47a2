package dev.davit.dav;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.davit.auth.Principal;

/**
 * The few non-WebDAV answers the Nextcloud and ownCloud desktop clients ask for before they sync:
 * {@code /status.php} (is this a server of theirs, which version), {@code /ocs/v{1,2}.php/cloud/capabilities}
 * (what the server can do) and {@code /ocs/v{1,2}.php/cloud/user} (who the login is; the client builds
 * {@code /remote.php/dav/files/{id}/} from it). OCS answers are JSON with {@code format=json} or an
 * {@code Accept: application/json}, XML otherwise, as Nextcloud's OCS controller does.
 */
public final class SyncApiServlet extends HttpServlet {
    /**
     * The version claimed: the clients refuse servers they consider too old (nextcloudcmd 3.x warns below
     * Nextcloud 20; ownCloud 2.x needs 10.x); nothing else depends on it.
     */
    static final String VERSION = "28.0.0.0";
    static final String VERSION_STRING = "28.0.0";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String uri = req.getRequestURI();
        if (!"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) {
            resp.setHeader("Allow", "GET, HEAD");
            resp.sendError(405);
            return;
        }
        if (uri.equals("/status.php")) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("installed", true);
            status.put("maintenance", false);
            status.put("needsDbUpgrade", false);
            status.put("version", VERSION);
            status.put("versionstring", VERSION_STRING);
            status.put("edition", "");
            status.put("productname", "Davit");
            status.put("extendedSupport", false);
            write(resp, 200, "application/json; charset=utf-8", JSON.writeValueAsBytes(status));
            return;
        }
        boolean v2 = uri.startsWith("/ocs/v2.php/");
        String endpoint = uri.substring(uri.indexOf(".php/") + ".php/".length());
        Principal user = (Principal) req.getAttribute(Principal.REQUEST_ATTRIBUTE);
        Map<String, Object> data;
        switch (endpoint) {
            case "cloud/capabilities" -> data = capabilities();
            case "cloud/user" -> data = user(user);
            default -> {
                ocs(req, resp, v2, 404, "not found: " + endpoint, Map.of());
                return;
            }
        }
        ocs(req, resp, v2, 200, "OK", data);
    }

    private static Map<String, Object> capabilities() {
        Map<String, Object> version = new LinkedHashMap<>();
        version.put("major", 28);
        version.put("minor", 0);
        version.put("micro", 0);
        version.put("string", VERSION_STRING);
        version.put("edition", "");
        version.put("extendedSupport", false);
        Map<String, Object> core = new LinkedHashMap<>();
        core.put("pollinterval", 60);
        core.put("webdav-root", "remote.php/webdav");
        Map<String, Object> files = new LinkedHashMap<>();
        // Chunked upload: both clients use chunking v2 (ChunkedUploadV2) for a file past their first chunk size
        // when dav.chunking is at least "1.0" (a string compare in their Capabilities::chunkingNg()); ownCloud's
        // also needs bigfilechunking, which is true unless said otherwise.
        files.put("bigfilechunking", true);
        files.put("undelete", false);
        // The versions endpoint (/remote.php/dav/versions/{user}/versions/{fileid}) serves git history.
        files.put("versioning", true);
        Map<String, Object> dav = new LinkedHashMap<>();
        dav.put("chunking", "1.0");
        Map<String, Object> checksums = new LinkedHashMap<>();
        checksums.put("supportedTypes", List.of("SHA1"));
        checksums.put("preferredUploadType", "SHA1");
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("core", core);
        caps.put("files", files);
        caps.put("dav", dav);
        caps.put("checksums", checksums);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("version", version);
        data.put("capabilities", caps);
        return data;
    }

    private static Map<String, Object> user(Principal user) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", user.name());
        data.put("display-name", user.name());
        data.put("displayname", user.name());
        data.put("email", user.email());
        return data;
    }

    private static void ocs(HttpServletRequest req, HttpServletResponse resp, boolean v2, int status, String message,
                            Map<String, Object> data) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("status", status == 200 ? "ok" : "failure");
        // OCS v1 says 100 for success and answers HTTP 200 even for failures; v2 uses HTTP codes for both.
        meta.put("statuscode", status == 200 ? (v2 ? 200 : 100) : (v2 ? status : 998));
        meta.put("message", message);
        meta.put("totalitems", "");
        meta.put("itemsperpage", "");
        Map<String, Object> ocs = new LinkedHashMap<>();
        ocs.put("meta", meta);
        ocs.put("data", data);
        int http = v2 ? status : 200;
        if (wantsJson(req)) {
            write(resp, http, "application/json; charset=utf-8", JSON.writeValueAsBytes(Map.of("ocs", ocs)));
        } else {
            StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n");
            element(sb, "ocs", ocs);
            write(resp, http, "application/xml; charset=utf-8", sb.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** {@code format=json} wins; then an Accept that names JSON (the clients send both). */
    static boolean wantsJson(HttpServletRequest req) {
        String q = req.getQueryString();
        if (q != null) {
            for (String pair : q.split("&")) {
                if (pair.equals("format=json")) {
                    return true;
                }
                if (pair.equals("format=xml")) {
                    return false;
                }
            }
        }
        String accept = req.getHeader("Accept");
        return accept != null && accept.contains("application/json");
    }

    /** OCS's XML shape: a map is nested elements, a list repeats {@code <element>}. */
    private static void element(StringBuilder sb, String name, Object value) {
        sb.append('<').append(name).append('>');
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                element(sb, e.getKey().toString(), e.getValue());
            }
        } else if (value instanceof List<?> l) {
            for (Object o : l) {
                element(sb, "element", o);
            }
        } else if (value instanceof Boolean b) {
            sb.append(b ? "1" : "");
        } else if (value != null) {
            sb.append(Xml.text(value.toString()));
        }
        sb.append("</").append(name).append('>');
    }

    private static void write(HttpServletResponse resp, int status, String type, byte[] body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(type);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
