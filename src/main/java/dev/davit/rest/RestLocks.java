package dev.davit.rest;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.auth.Principal;
import dev.davit.lock.Lock;
import dev.davit.lock.LockStore;
import dev.davit.storage.RepoPath;

/**
 * WebDAV locks seen from the REST API. REST has no way to submit a lock token, so a lock taken by
 * another user blocks a REST write to the locked path (its folder's membership, or anything below it
 * for a delete): 409 with the lock described, as WebDAV answers (DESIGN.md's conflict contract). The
 * user's own locks do not block: they hold the lock, and the REST call is theirs.
 */
final class RestLocks {
    private final LockStore store;
    private final String repository;
    private final Principal user;

    /** False for a write rebuilt from its commit ({@link #checkedBefore}). */
    private final boolean checks;

    RestLocks(LockStore store, String repository, Principal user) {
        this(store, repository, user, true);
    }

    private RestLocks(LockStore store, String repository, Principal user, boolean checks) {
        this.store = store;
        this.repository = repository;
        this.user = user;
        this.checks = checks;
    }

    /**
     * For a write run again to rebuild the answer of its commit ({@link ApiCall#keyed}): the locks were checked
     * when that commit was made, and a lock taken since must not turn its answer into a refusal.
     */
    static RestLocks checkedBefore(RestLocks locks) {
        return new RestLocks(locks.store, locks.repository, locks.user, false);
    }

    /**
     * @param membership the write adds or removes {@code path} (so its folder's locks count) and, for a
     *                   delete or rename source, everything below it
     */
    void check(RepoPath path, boolean membership) {
        if (!checks) {
            return;
        }
        Map<String, Lock> touched = new LinkedHashMap<>();
        store.covering(repository, path.toString()).forEach(l -> touched.put(l.token(), l));
        if (membership) {
            if (!path.isRoot()) {
                store.covering(repository, path.parent().toString()).forEach(l -> touched.put(l.token(), l));
            }
            store.within(repository, path.toString()).forEach(l -> touched.put(l.token(), l));
        }
        for (Lock l : touched.values()) {
            if (!l.principal().equals(user.name())) {
                ObjectNode lock = Json.object()
                        .put("owner", l.ownerXml())
                        .put("principal", l.principal())
                        .put("scope", l.scope() == Lock.Scope.EXCLUSIVE ? "exclusive" : "shared")
                        .put("depth", l.infinite() ? "infinity" : "0")
                        .put("root", l.root())
                        .put("expires", l.expires().toString());
                ObjectNode extra = Json.object().put("error", "locked").put("path", path.toString());
                extra.set("lock", lock);
                throw new RestProblem(409, path + " is locked over WebDAV by " + l.principal() + " (lock on /" + l.root()
                        + " until " + l.expires() + ")", RestProblem.DOCS, extra);
            }
        }
    }
}
