package dev.davit.server;

import jakarta.servlet.http.HttpServletRequest;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;

/**
 * Which requests may go without credentials when {@code anonymous.access} grants reading: a read of a
 * granted repository, on any front end. Anything else without credentials gets the 401 challenge, so a
 * client that can log in does (a 403 or 404 would end the conversation).
 */
final class AnonymousReads {
    private AnonymousReads() {
    }

    static boolean allows(UserStore users, Principal anonymous, HttpServletRequest req) {
        String uri = req.getRequestURI();
        String method = req.getMethod();
        String[] p = uri.split("/", -1); // "", front end, ...
        if (p.length < 3) {
            return false;
        }
        String owner;
        String repo;
        boolean read;
        switch (p[1]) {
            case "dav" -> {
                if (p.length < 4) {
                    return false;
                }
                owner = p[2];
                repo = p[3];
                read = method.equals("GET") || method.equals("HEAD") || method.equals("PROPFIND") || method.equals("OPTIONS");
            }
            case "api" -> {
                if (p.length < 5 || !p[2].equals("repos")) {
                    return false;
                }
                owner = p[3];
                repo = p[4];
                read = method.equals("GET") || method.equals("HEAD");
            }
            case "git" -> {
                if (p.length < 4 || !p[3].endsWith(".git")) {
                    return false;
                }
                owner = p[2];
                repo = p[3].substring(0, p[3].length() - 4);
                // Smart HTTP: fetching is upload-pack; receive-pack (push) needs a user.
                read = !uri.endsWith("/git-receive-pack") && !"service=git-receive-pack".equals(req.getQueryString());
            }
            case "ui" -> {
                if (p.length < 4) {
                    return false;
                }
                owner = p[2];
                repo = p[3];
                read = method.equals("GET") || method.equals("HEAD");
            }
            default -> {
                return false;
            }
        }
        return read && users.allows(anonymous, owner, repo, Access.READ);
    }
}
