package dev.davit.dav;

import java.util.Optional;

import dev.davit.lock.Lock;

/** UNLOCK (RFC 4918 §9.11): only the principal who took the lock ends it, with its token. */
final class UnlockHandler extends DavMethod {
    UnlockHandler() {
        super("UNLOCK");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        String header = x.header("Lock-Token");
        if (header == null || header.isBlank()) {
            throw DavProblem.badRequest("UNLOCK needs a Lock-Token header");
        }
        String token = header.trim();
        // Windows' redirector sends the token without the angle brackets of §10.5.
        if (token.startsWith("<") && token.endsWith(">")) {
            token = token.substring(1, token.length() - 1).trim();
        }
        Optional<Lock> lock = x.locking.store().get(Locking.key(x), token);
        if (lock.isEmpty() || !lock.get().covers(x.path().toString())) {
            throw new DavProblem(409, "lock-token-matches-request-uri", "lock-token-matches-request-uri",
                    "no active lock with that token applies to /" + x.path());
        }
        if (!lock.get().principal().equals(x.user.name())) {
            throw new DavProblem(403, "not-lock-owner", "the lock belongs to another user");
        }
        x.locking.store().remove(Locking.key(x), token);
        if (lock.get().createdEmpty()) {
            // The lock made an empty file that waited aside for its holder's PUT; none came: commit it now.
            SideFileRequests.settle(x, dev.davit.storage.RepoPath.parse(lock.get().root()), x.author());
        }
        x.response.setStatus(204);
    }
}
