package dev.davit.dav;

import dev.davit.storage.RepoPath;
import dev.davit.storage.WriteResult;

/** MKCOL (RFC 4918 §9.3): one empty folder, one commit; it stays although git keeps no empty trees. */
final class MkcolHandler extends DavMethod {
    MkcolHandler() {
        super("MKCOL");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        RepoPath path = x.path();
        if (x.hasBody()) {
            // §9.3: a body we do not understand is refused with 415 (litmus basic: mkcol_with_body).
            throw new DavProblem(415, "unsupported-body", "MKCOL with a request body is not supported");
        }
        if (path.isRoot()) {
            throw new DavProblem(405, "exists", "the repository root exists");
        }
        if (x.repository.sideFiles().has(path)) {
            // A file kept aside there (junk, or a LOCK's empty file waiting for its PUT) is a resource (§9.3.1).
            throw new DavProblem(405, "exists", "/" + path + " exists");
        }
        WriteResult<Void> r = x.repository.write(x.author(), "MKCOL " + path, edit -> {
            Preconditions.checkWrite(x, path, edit.lookup(path).orElse(null));
            x.locking.checkIf(x, edit::lookup);
            x.locking.requireTokens(x, path, Locking.Reach.MEMBER, null);
            edit.mkdir(path);
            return null;
        });
        x.revision(r.revision());
        ClientMetadata.Repo meta = x.clientMetadata();
        meta.deleted(path); // a new folder gets a new id (one left from a deletion outside WebDAV is not reused)
        x.response.setHeader("OC-FileId", meta.ocId(path));
        meta.sync();
        x.response.setStatus(201);
        x.response.setContentLength(0);
    }
}
