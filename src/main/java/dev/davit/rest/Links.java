package dev.davit.rest;

import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.RepoPath;

/**
 * The URLs in the JSON of one repository, absolute as GitHub's are, built from the host the client used.
 * {@code html_url}s point at the WebDAV view of the same file (Davit has no web pages).
 */
final class Links {
    private final String origin;
    private final String owner;
    private final String repo;

    Links(HttpServletRequest req, String owner, String repo) {
        String host = req.getHeader("Host");
        if (host == null || host.isEmpty()) {
            host = req.getServerName() + ":" + req.getServerPort();
        }
        this.origin = req.getScheme() + "://" + host;
        this.owner = owner;
        this.repo = repo;
    }

    /** {@code http://host/api/repos/o/r}. */
    String api() {
        return origin + "/api/repos/" + enc(owner) + "/" + enc(repo);
    }

    String contents(RepoPath path, String ref) {
        return api() + "/contents/" + encPath(path) + (ref == null ? "" : "?ref=" + enc(ref));
    }

    String blob(ObjectId id) {
        return api() + "/git/blobs/" + id.name();
    }

    String tree(ObjectId id) {
        return api() + "/git/trees/" + id.name();
    }

    String gitCommit(ObjectId id) {
        return api() + "/git/commits/" + id.name();
    }

    String commit(ObjectId id) {
        return api() + "/commits/" + id.name();
    }

    /** The WebDAV URL of a file or folder ({@code ?rev=} for a past state). */
    String dav(RepoPath path, boolean folder, ObjectId rev) {
        String p = encPath(path);
        String url = origin + "/dav/" + enc(owner) + "/" + enc(repo) + "/" + p + (folder && !path.isRoot() ? "/" : "");
        return rev == null ? url : url + "?rev=" + rev.name();
    }

    String html() {
        return origin + "/dav/" + enc(owner) + "/" + enc(repo) + "/";
    }

    static String encPath(RepoPath path) {
        StringBuilder sb = new StringBuilder();
        for (String seg : path.segments()) {
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(enc(seg));
        }
        return sb.toString();
    }

    /** RFC 3986 percent-encoding of one segment: everything but the unreserved characters. */
    static String enc(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }
}
