package dev.davit.rest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.zip.CRC32;

import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.http.HttpServletRequest;

import dev.davit.auth.Principal;

/**
 * The routes outside a repository that GitHub clients call first: {@code GET /user} (who am I: the CLIs
 * and libraries check a token with it) and {@code GET /rate_limit} (polled before work). In GitHub's shapes.
 */
final class AccountRoutes {
    /** Davit does not limit request rates; clients are told a budget they cannot exhaust. */
    static final int LIMIT = 1_000_000;

    private AccountRoutes() {
    }

    /** Answers {@code uri} (already without {@code /v3}), or null when it is not one of these routes. */
    static Reply dispatch(HttpServletRequest req, Principal user, String uri, Clock clock) {
        String m = req.getMethod();
        if (!m.equals("GET") && !m.equals("HEAD")) {
            return null;
        }
        String origin = origin(req);
        switch (uri) {
            case "/api/user", "/api/user/" -> {
                if (user.isAnonymous()) {
                    // GitHub: 401 for /user without credentials.
                    return Reply.json(401, Json.object().put("message", "Requires authentication")
                            .put("documentation_url", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
                            .put("status", "401")).withHeader("WWW-Authenticate", "Basic realm=\"Davit\", charset=\"UTF-8\"");
                }
                return Reply.json(200, user(origin, user));
            }
            case "/api/rate_limit", "/api/rate_limit/" -> {
                long reset = clock.instant().getEpochSecond() + 3600;
                ObjectNode core = window(reset);
                ObjectNode body = Json.object();
                ObjectNode resources = body.putObject("resources");
                for (String r : new String[] {"core", "search", "graphql", "integration_manifest", "code_search"}) {
                    resources.set(r, window(reset));
                }
                body.set("rate", core);
                return Reply.json(200, body);
            }
            default -> {
                return null;
            }
        }
    }

    private static ObjectNode window(long reset) {
        return Json.object().put("limit", LIMIT).put("used", 0).put("remaining", LIMIT).put("reset", reset).put("resource", "core");
    }

    /** GitHub's user object; the id is derived from the name (Davit has no numeric ids). */
    static ObjectNode user(String origin, Principal p) {
        CRC32 crc = new CRC32();
        crc.update(p.name().getBytes(StandardCharsets.UTF_8));
        ObjectNode n = Json.object();
        n.put("login", p.name());
        n.put("id", crc.getValue());
        n.put("node_id", "U_" + Long.toHexString(crc.getValue()));
        n.put("avatar_url", "");
        n.put("gravatar_id", "");
        n.put("url", origin + "/api/users/" + Links.enc(p.name()));
        n.put("html_url", origin + "/ui/");
        n.put("type", "User");
        n.put("site_admin", false);
        n.put("name", p.name());
        if (p.email() == null || p.email().isEmpty()) {
            n.putNull("email");
        } else {
            n.put("email", p.email());
        }
        return n;
    }

    private static String origin(HttpServletRequest req) {
        String host = req.getHeader("Host");
        if (host == null || host.isEmpty()) {
            host = req.getServerName() + ":" + req.getServerPort();
        }
        return req.getScheme() + "://" + host;
    }
}
