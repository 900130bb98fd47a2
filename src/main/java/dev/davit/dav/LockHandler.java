package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import dev.davit.lock.Lock;
import dev.davit.lock.LockConflictException;
import dev.davit.storage.Entry;
import dev.davit.storage.RepoPath;
import dev.davit.storage.WriteResult;

/**
 * LOCK (RFC 4918 §9.10): a new exclusive or shared write lock at Depth 0 or infinity, or a refresh (no
 * body, the token in {@code If}). A LOCK of an unmapped URL creates an empty file (§7.3) and answers 201;
 * the file waits aside, with no commit, for the lock holder's first PUT (davfs2 and Explorer upload a new
 * file as LOCK then PUT: one save, one commit), and is committed empty if the lock ends without one
 * ({@link SideFileRequests#settle}). A LOCK of an existing resource runs inside the repository's write (a
 * write with no change, so no commit), so a lock and a write cannot pass each other.
 */
final class LockHandler extends DavMethod {
    LockHandler() {
        super("LOCK");
    }

    private record Requested(Lock.Scope scope, String ownerXml) {
    }

    @Override
    void handle(DavExchange x) throws Exception {
        RepoPath path = x.path();
        long timeout = timeout(x.header("Timeout"), x.settings.maxLockSeconds());
        byte[] body = x.xmlBody();
        if (body.length == 0) {
            refresh(x, path, timeout);
            return;
        }
        boolean infinite = depth(x.header("Depth"));
        Requested req = parse(body);
        String token = "opaquelocktoken:" + UUID.randomUUID();
        String key = Locking.key(x);
        if (x.locking.store().countHeldBy(x.user.name()) >= x.settings.maxLocksPerUser()) {
            // RFC 4918 §11.5: the server cannot store what the request needs.
            throw new DavProblem(507, "too-many-locks", x.user.name() + " holds " + x.settings.maxLocksPerUser()
                    + " locks already (limits.locks.per.user); UNLOCK some first");
        }
        try (var s = x.repository.head()) {
            if (SideFileRequests.visible(x, s::lookup, path).isEmpty()) {
                Lock lock = lockAside(x, s, path, new Lock(token, key, path.toString(), req.scope(), infinite, x.user.name(),
                        req.ownerXml(), timeout, Instant.now().plusSeconds(timeout), false));
                x.response.setHeader("Lock-Token", "<" + token + ">");
                respond(x, lock, lock.createdEmpty() ? 201 : 200, false);
                return;
            }
        }
        WriteResult<Lock> r = x.repository.write(x.author(), "LOCK " + path, edit -> {
            Entry current = edit.lookup(path).orElse(null);
            x.locking.checkIf(x, edit::lookup);
            Optional<Lock> mine = x.locking.store().get(key, token);
            if (mine.isPresent()) {
                return mine.get(); // a re-run after a lost compare-and-swap: the lock is ours already
            }
            if (current == null) {
                throw new DavProblem(409, "changed", "/" + path + " was deleted while being locked; try again");
            }
            Lock lock = new Lock(token, key, path.toString(), req.scope(), infinite, x.user.name(), req.ownerXml(), timeout,
                    Instant.now().plusSeconds(timeout), false);
            try {
                return x.locking.store().create(lock);
            } catch (LockConflictException e) {
                throw new LockedProblem(e.existing(), Locking.rootHref(x, e.existing(), Locking.isFolder(x, e.existing())), true,
                        current.id(), e.getMessage());
            }
        });
        x.revision(r.revision());
        boolean folder = x.target.trailingSlash() || isFolder(x, path);
        x.response.setHeader("Lock-Token", "<" + token + ">");
        respond(x, r.value(), r.value().createdEmpty() ? 201 : 200, folder);
    }

    /**
     * A LOCK of a junk name or of a URL WebDAV shows nothing at: the empty resource it creates is kept aside
     * (a junk name's for good, another's until the holder's first PUT).
     */
    private static Lock lockAside(DavExchange x, dev.davit.storage.Snapshot s, RepoPath path, Lock proposed) throws Exception {
        Entry parent = s.lookup(path.parent()).orElse(null);
        if (parent == null || !parent.isFolder()) {
            throw PutHandler.missingParent(x, path);
        }
        Optional<dev.davit.storage.SideFiles.SideFile> current = x.repository.sideFiles().get(path);
        x.locking.checkIf(x, SideFileRequests.view(x, s::lookup));
        if (current.isEmpty()) {
            x.locking.requireTokens(x, path, Locking.Reach.MEMBER, null);
        }
        Lock lock = new Lock(proposed.token(), proposed.repository(), proposed.root(), proposed.scope(), proposed.infinite(),
                proposed.principal(), proposed.ownerXml(), proposed.timeoutSeconds(), proposed.expires(), current.isEmpty());
        try {
            x.locking.store().create(lock);
        } catch (LockConflictException e) {
            throw new LockedProblem(e.existing(), Locking.rootHref(x, e.existing(), Locking.isFolder(x, e.existing())), true,
                    current.map(f -> f.id()).orElse(null), e.getMessage());
        }
        if (current.isEmpty()) {
            x.repository.sideFiles().put(path, java.io.InputStream.nullInputStream());
        }
        return lock;
    }

    private static boolean isFolder(DavExchange x, RepoPath path) throws IOException {
        try (var s = x.repository.head()) {
            return s.lookup(path).map(Entry::isFolder).orElse(false);
        }
    }

    /** §9.10.2: a LOCK without a body refreshes the lock whose token the If header submits. */
    private static void refresh(DavExchange x, RepoPath path, long timeout) throws IOException, dev.davit.storage.InvalidPathException {
        if (x.ifHeader() == null) {
            throw DavProblem.badRequest("a LOCK without a body is a refresh and needs the lock token in an If header");
        }
        for (String t : x.ifHeader().submittedTokens()) {
            Optional<Lock> l = x.locking.store().get(Locking.key(x), t);
            if (l.isPresent() && l.get().covers(path.toString()) && l.get().principal().equals(x.user.name())) {
                Lock refreshed = x.locking.store().refresh(Locking.key(x), t, timeout).orElseThrow();
                respond(x, refreshed, 200, isFolder(x, RepoPath.parse(refreshed.root())));
                return;
            }
        }
        throw new DavProblem(412, "lock-token-matches-request-uri", "lock-token-matches-request-uri",
                "no lock of yours with the submitted token applies to /" + path);
    }

    private static void respond(DavExchange x, Lock lock, int status, boolean folder) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>"
                + Locking.activeLock(x, lock, Instant.now(), folder) + "</D:lockdiscovery></D:prop>\n";
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        x.response.setStatus(status);
        x.response.setContentType("application/xml; charset=utf-8");
        x.response.setContentLength(bytes.length);
        try (OutputStream out = x.response.getOutputStream()) {
            out.write(bytes);
        }
    }

    /** §10.7: the first value we can honour, cut to the configured maximum; absent means the maximum. */
    static long timeout(String header, long max) {
        if (header == null) {
            return max;
        }
        for (String t : header.split(",")) {
            t = t.trim();
            if (t.equalsIgnoreCase("Infinite")) {
                return max;
            }
            if (t.regionMatches(true, 0, "Second-", 0, 7)) {
                try {
                    long s = Long.parseLong(t.substring(7).trim());
                    if (s >= 0) {
                        // Second-0 is valid syntax; a lock that ends at once helps nobody, so grant a second.
                        return Math.max(1, Math.min(s, max));
                    }
                } catch (NumberFormatException e) {
                    // try the next one
                }
            }
        }
        throw DavProblem.badRequest("malformed Timeout header: " + header);
    }

    private static boolean depth(String header) {
        if (header == null) {
            return true; // §9.10.3: Depth infinity unless said otherwise.
        }
        return switch (header.trim().toLowerCase(Locale.ROOT)) {
            case "0" -> false;
            case "infinity" -> true;
            default -> throw DavProblem.badRequest("LOCK takes Depth: 0 or infinity");
        };
    }

    private static Requested parse(byte[] body) {
        Document doc = Xml.parse(body);
        Element info = doc.getDocumentElement();
        if (!Xml.is(info, Xml.DAV, "lockinfo")) {
            throw DavProblem.badRequest("LOCK body must be a DAV:lockinfo element");
        }
        Element scope = Xml.child(info, Xml.DAV, "lockscope");
        Element type = Xml.child(info, Xml.DAV, "locktype");
        if (scope == null || type == null || Xml.child(type, Xml.DAV, "write") == null) {
            throw DavProblem.badRequest("lockinfo needs a lockscope and a write locktype");
        }
        Lock.Scope s;
        if (Xml.child(scope, Xml.DAV, "exclusive") != null) {
            s = Lock.Scope.EXCLUSIVE;
        } else if (Xml.child(scope, Xml.DAV, "shared") != null) {
            s = Lock.Scope.SHARED;
        } else {
            throw DavProblem.badRequest("lockscope must be exclusive or shared");
        }
        Element owner = Xml.child(info, Xml.DAV, "owner");
        return new Requested(s, owner == null ? "" : inner(owner));
    }

    /** The owner's content as XML, kept verbatim for lockdiscovery (litmus compares it). */
    private static String inner(Element owner) {
        StringBuilder sb = new StringBuilder();
        for (Node n = owner.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                sb.append(Xml.serialize(e));
            } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
                sb.append(Xml.text(n.getNodeValue()));
            }
        }
        return sb.toString().trim();
    }
}
