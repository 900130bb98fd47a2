package dev.davit.dav;

import dev.davit.storage.Entry;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.WriteResult;

/**
 * COPY and MOVE within one repository (RFC 4918 §9.8, §9.9), each one commit whatever the size of the
 * folder: a folder is one tree id, so MOVE of 1,000 files rewrites two paths, not 1,000 files.
 * {@code Overwrite} absent means T (§10.6; milton treats it as F).
 */
final class CopyMoveHandler extends DavMethod {
    CopyMoveHandler() {
        super("COPY", "MOVE");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        boolean move = "MOVE".equals(x.request.getMethod());
        RepoPath source = x.path();
        RepoPath target = destination(x);
        boolean overwrite = overwrite(x);
        String depthHeader = x.header("Depth");
        String depth = depthHeader == null ? "infinity" : depthHeader.trim().toLowerCase(java.util.Locale.ROOT);
        if (!depth.equals("infinity") && !(depth.equals("0") && !move)) {
            throw DavProblem.badRequest((move ? "MOVE takes only Depth: infinity" : "COPY takes Depth: 0 or infinity"));
        }
        if (source.isRoot()) {
            throw new DavProblem(403, "root", "the repository root cannot be " + (move ? "moved" : "copied"));
        }
        if (target.equals(source)) {
            throw new DavProblem(403, "same-resource", "source and destination are the same resource");
        }
        if (HistoryView.claims(target)) {
            throw new DavProblem(403, "read-only-history", "/" + target + " is part of the read-only history");
        }
        if (target.isRoot() || target.contains(source)) {
            throw new DavProblem(403, "destination-is-ancestor", "the destination contains the source");
        }
        try (Snapshot s = x.repository.head()) {
            if (SideFileRequests.copyOrMove(x, s, source, target, move, overwrite)) {
                return;
            }
        }
        String verb = move ? "MOVE" : "COPY";
        WriteResult<Boolean> r = x.repository.write(x.author(), verb + " " + source + " -> " + target, edit -> {
            Entry src = edit.lookup(source).orElseThrow(() -> new NotFoundException(source, "/" + source + " does not exist"));
            if (src.isFolder() && source.contains(target)) {
                throw new DavProblem(403, "destination-inside-source", "cannot " + verb + " a folder into itself");
            }
            Entry existing = edit.lookup(target).orElse(null);
            // If-Match names the resource the request changes: MOVE changes its source; COPY leaves the
            // source alone and overwrites the destination, so there it guards the destination.
            x.locking.checkIf(x, edit::lookup);
            if (move) {
                // §9.9.4: a MOVE removes the source, so the source's locks (and those below) must be satisfied.
                x.locking.requireTokens(x, source, Locking.Reach.TREE, src.id());
                Preconditions.checkWrite(x, source, src);
            } else {
                Preconditions.checkWrite(x, target, existing);
            }
            // The destination gains a member (or loses one being overwritten): its locks count too. A
            // COPY source is only read, so its locks do not (§7.5; milton checks it anyway).
            x.locking.requireTokens(x, target, existing == null ? Locking.Reach.MEMBER : Locking.Reach.TREE,
                    existing == null ? null : existing.id());
            if (existing != null) {
                if (!overwrite) {
                    throw new DavProblem(412, "destination-exists", "/" + target + " exists and Overwrite is F");
                }
                edit.delete(target);
            }
            edit.copy(source, target, move || depth.equals("infinity"));
            if (move) {
                edit.delete(source);
            }
            return existing == null;
        });
        if (move) {
            x.locking.store().removeWithin(Locking.key(x), source.toString());
            x.repository.sideFiles().move(source, target); // kept-aside files travel with their folder
        }
        SideFileRequests.committed(x, target); // a LOCK's waiting file or a moved-away mark there is done with
        // File ids follow a MOVE (that is how sync clients see a rename); a COPY is new files with new ids.
        ClientMetadata.Repo meta = x.clientMetadata();
        if (move) {
            meta.moved(source, target);
        } else {
            meta.copied(source, target);
        }
        x.response.setHeader("OC-FileId", meta.ocId(target));
        meta.sync();
        x.revision(r.revision());
        x.response.setStatus(r.value() ? 201 : 204);
        x.response.setContentLength(0);
    }

    static boolean overwrite(DavExchange x) {
        String o = x.header("Overwrite");
        if (o == null || o.trim().equalsIgnoreCase("T")) {
            return true;
        }
        if (o.trim().equalsIgnoreCase("F")) {
            return false;
        }
        throw DavProblem.badRequest("Overwrite must be T or F");
    }

    /**
     * The {@code Destination} (RFC 4918 §10.3): an absolute URI on this server, or an absolute path, in
     * the same repository. Another host is 502 (§9.8.5), another repository 403.
     */
    static RepoPath destination(DavExchange x) throws InvalidPathException {
        DavTarget t = destinationTarget(x.request, x.mount, x.user);
        if (!t.isRepository() || !t.owner().equals(x.target.owner()) || !t.repo().equals(x.target.repo())) {
            throw new DavProblem(403, "other-repository", "COPY and MOVE work within one repository");
        }
        return t.path();
    }

    /** What the {@code Destination} names on this mount, wherever it is (the chunked upload's final MOVE). */
    static DavTarget destinationTarget(jakarta.servlet.http.HttpServletRequest req, DavMount mount,
                                       dev.davit.auth.Principal user) throws InvalidPathException {
        String d = req.getHeader("Destination");
        if (d == null || d.isBlank()) {
            throw DavProblem.badRequest("COPY and MOVE need a Destination header");
        }
        d = d.trim();
        String rawPath;
        if (d.startsWith("/")) {
            rawPath = d;
        } else {
            int scheme = d.indexOf("://");
            if (scheme < 0) {
                throw DavProblem.badRequest("Destination must be an absolute URI or path: " + d);
            }
            try {
                new java.net.URI(d.replace(" ", "%20"));
            } catch (java.net.URISyntaxException e) {
                throw DavProblem.badRequest("malformed Destination: " + d);
            }
            int slash = d.indexOf('/', scheme + 3);
            String authority = slash < 0 ? d.substring(scheme + 3) : d.substring(scheme + 3, slash);
            // Credentials in the URL (lftp sends http://user:pass@host:port/...) do not make it another
            // server: the host is what follows the userinfo (RFC 3986 §3.2.1).
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            String host = req.getHeader("Host");
            if (host == null || !authority.equalsIgnoreCase(host)) {
                throw new DavProblem(502, "other-server", "Destination " + d + " is on another server");
            }
            rawPath = slash < 0 ? "/" : d.substring(slash);
        }
        int cut = indexOfAny(rawPath, '?', '#');
        if (cut >= 0) {
            rawPath = rawPath.substring(0, cut);
        }
        if (rawPath.indexOf(' ') >= 0) {
            rawPath = rawPath.replace(" ", "%20"); // Some clients send raw spaces; take them literally.
        }
        try {
            return mount.parse(rawPath, user);
        } catch (InvalidPathException e) {
            if (e.reason() == InvalidPathException.Reason.MALFORMED && !mount.claims(rawPath)) {
                throw new DavProblem(502, "other-server", "Destination " + d + " is not a WebDAV path of this server");
            }
            throw e;
        }
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == a || s.charAt(i) == b) {
                return i;
            }
        }
        return -1;
    }
}
