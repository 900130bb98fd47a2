package dev.davit.dav;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.lock.Lock;
import dev.davit.lock.LockStore;
import dev.davit.storage.Entry;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.RepoPath;

/**
 * Class-2 decisions for one front end: the {@code If} header and "was the token of every lock this
 * write touches submitted by the principal who took it". Used for all lock decisions, never milton's
 * substring test nor its "owner equals user name" shortcut.
 */
final class Locking {
    /** How much of the tree around a path a write touches (RFC 4918 §7.4, §9.6, §9.9). */
    enum Reach {
        /** The resource itself (PUT on an existing file, PROPPATCH). */
        RESOURCE,
        /** The resource and its parent's membership (creating a resource). */
        MEMBER,
        /** The resource, its parent's membership and everything below it (DELETE, MOVE). */
        TREE
    }

    /** The id git gives the empty blob: what a LOCK of an unmapped URL creates. */
    static final ObjectId EMPTY_BLOB = ObjectId.fromString("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");

    private final LockStore store;

    Locking(LockStore store) {
        this.store = store;
    }

    LockStore store() {
        return store;
    }

    static String key(DavExchange x) {
        return x.target.owner() + "/" + x.target.repo();
    }

    /** Active locks that apply to {@code path}. */
    List<Lock> covering(DavExchange x, RepoPath path) {
        return store.covering(key(x), path.toString());
    }

    /**
     * Evaluates the {@code If} header against the state inside the write ({@code edit}); a false header
     * is 412 (§10.4; litmus fail_complex_cond_put insists on 412).
     */
    /** Finds entries in a snapshot or inside a write. */
    @FunctionalInterface
    interface EntryLookup {
        Optional<Entry> lookup(RepoPath path) throws IOException;
    }

    void checkIf(DavExchange x, EntryLookup edit) throws IOException {
        IfHeader h = x.ifHeader();
        if (h == null) {
            return;
        }
        boolean ok = h.evaluate(tag -> {
            RepoPath p = tag == null ? x.path() : tagPath(x, tag);
            if (p == null) {
                return IfHeader.ResourceState.ABSENT;
            }
            Optional<Entry> e = edit.lookup(p);
            Set<String> tokens = covering(x, p).stream().map(Lock::token).collect(Collectors.toSet());
            return new IfHeader.ResourceState(e.map(ETags::of).orElse(null), tokens);
        });
        if (!ok) {
            ObjectId current = edit.lookup(x.path()).map(Entry::id).orElse(null);
            throw new DavProblem(412, "precondition-failed", null, "the If header does not match the resource's state", current);
        }
    }

    /** The repository path a resource tag names, or null when it is not in this repository. */
    private static RepoPath tagPath(DavExchange x, String tag) {
        String raw = tag;
        int scheme = raw.indexOf("://");
        if (scheme >= 0) {
            int slash = raw.indexOf('/', scheme + 3);
            raw = slash < 0 ? "/" : raw.substring(slash);
        }
        try {
            DavTarget t = x.mount.parse(raw, x.user);
            return t.isRepository() && t.owner().equals(x.target.owner()) && t.repo().equals(x.target.repo()) ? t.path() : null;
        } catch (InvalidPathException | DavProblem e) {
            return null;
        }
    }

    /**
     * Refuses the write unless the token of every lock it touches was submitted by that lock's own
     * principal (§7.4, §7.5). A token used by anyone else counts as not submitted.
     */
    void requireTokens(DavExchange x, RepoPath path, Reach reach, ObjectId current) {
        Map<String, Lock> touched = new LinkedHashMap<>();
        for (Lock l : covering(x, path)) {
            touched.put(l.token(), l);
        }
        if (reach != Reach.RESOURCE && !path.isRoot()) {
            for (Lock l : covering(x, path.parent())) {
                touched.put(l.token(), l);
            }
        }
        if (reach == Reach.TREE) {
            for (Lock l : store.within(key(x), path.toString())) {
                touched.put(l.token(), l);
            }
        }
        Set<String> submitted = x.ifHeader() == null ? Set.of() : x.ifHeader().submittedTokens();
        // §6.2: of several shared locks on one resource, any holder may write with their own token.
        Set<String> satisfiedSharedRoots = new java.util.HashSet<>();
        for (Lock l : touched.values()) {
            if (l.scope() == Lock.Scope.SHARED && isSubmittedByOwner(x, l, submitted)) {
                satisfiedSharedRoots.add(l.root());
            }
        }
        for (Lock l : touched.values()) {
            boolean ok = isSubmittedByOwner(x, l, submitted)
                    || l.scope() == Lock.Scope.SHARED && satisfiedSharedRoots.contains(l.root());
            if (!ok) {
                throw new LockedProblem(l, rootHref(x, l, isFolder(x, l)), false, current,
                        "/" + path + " is locked" + (l.root().equals(path.toString()) ? "" : " by a lock on /" + l.root())
                                + "; submit the lock's token in the If header");
            }
        }
    }

    private static boolean isSubmittedByOwner(DavExchange x, Lock l, Set<String> submitted) {
        return submitted.contains(l.token()) && l.principal().equals(x.user.name());
    }

    /** Whether a lock's root is a folder now (for its href's trailing slash; only on refusals). */
    static boolean isFolder(DavExchange x, Lock l) {
        try (var s = x.repository.head()) {
            return s.lookup(RepoPath.parse(l.root())).map(Entry::isFolder).orElse(false);
        } catch (IOException | InvalidPathException e) {
            return false;
        }
    }

    /** The encoded href tail of a lock's root below the repository href. */
    private static String rootSuffix(Lock l) {
        if (l.root().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String s : l.root().split("/")) {
            sb.append(UrlCodec.encode(s)).append('/');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    static String rootHref(DavExchange x, Lock l, boolean folder) {
        return x.target.href(RepoPath.ROOT, true) + rootSuffix(l) + (folder && !l.root().isEmpty() ? "/" : "");
    }

    /**
     * True for davfs2's upload of a new file: LOCK made an empty resource, and the PUT that follows says
     * {@code If-None-Match: *} with that lock's token. RFC 4918 §7.3 replaced lock-null resources with
     * empty ones, but clients still send the lock-null sequence; refusing it loses the file silently
     * (what mod_dav_svn does: shared/harness/README.md).
     */
    boolean isLockCreatedEmpty(DavExchange x, RepoPath path, Entry current) {
        if (current == null || current.isFolder() || !EMPTY_BLOB.equals(current.id()) || x.ifHeader() == null) {
            return false;
        }
        Set<String> submitted = x.ifHeader().submittedTokens();
        for (Lock l : covering(x, path)) {
            if (l.createdEmpty() && l.root().equals(path.toString()) && submitted.contains(l.token())
                    && l.principal().equals(x.user.name())) {
                return true;
            }
        }
        return false;
    }

    /** A lock's {@code DAV:activelock} element (§14.1), never showing other clients' tokens' owners' secrets. */
    static String activeLock(DavExchange x, Lock l, java.time.Instant now, boolean rootIsFolder) {
        // Rounded up: davfs2 sends the reported value back on each refresh, and rounding down shrank
        // its lock by a second every time.
        long left = Math.max(0, (java.time.Duration.between(now, l.expires()).toMillis() + 999) / 1000);
        return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>"
                + (l.scope() == Lock.Scope.EXCLUSIVE ? "<D:exclusive/>" : "<D:shared/>") + "</D:lockscope>"
                + "<D:depth>" + (l.infinite() ? "infinity" : "0") + "</D:depth>"
                + (l.ownerXml().isEmpty() ? "" : "<D:owner>" + l.ownerXml() + "</D:owner>")
                + "<D:timeout>Second-" + left + "</D:timeout>"
                + "<D:locktoken><D:href>" + Xml.text(l.token()) + "</D:href></D:locktoken>"
                + "<D:lockroot><D:href>" + Xml.text(rootHref(x, l, rootIsFolder)) + "</D:href></D:lockroot>"
                + "</D:activelock>";
    }
}
