package dev.davit.dav;

import java.util.Optional;

import dev.davit.storage.Entry;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;
import dev.davit.storage.WriteResult;

/** DELETE of a file, or of a folder with everything in it (RFC 4918 §9.6), as one commit. */
final class DeleteHandler extends DavMethod {
    DeleteHandler() {
        super("DELETE");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        RepoPath path = x.path();
        if (path.isRoot()) {
            throw new DavProblem(403, "root", "the repository root cannot be deleted");
        }
        String depth = x.header("Depth") == null ? "infinity" : x.header("Depth").trim().toLowerCase(java.util.Locale.ROOT);
        if (!depth.equals("infinity") && !depth.equals("0") && !depth.equals("1")) {
            throw DavProblem.badRequest("malformed Depth: " + depth);
        }
        // RFC 4918 §9.6.1 restricts Depth to infinity for a collection only; on a file it means nothing
        // (some clients send Depth: 0 with every DELETE), so it is checked on what the path holds.
        boolean finite = !depth.equals("infinity");
        try (Snapshot s = x.repository.head()) {
            Optional<SideFiles.SideFile> side = SideFileRequests.find(x, s, path);
            if (side.isPresent()) {
                SideFileRequests.delete(x, side.get());
                return;
            }
            if (SideFileRequests.hidden(x, path)) {
                throw new NotFoundException(path, "/" + path + " does not exist");
            }
        }
        WriteResult<Entry> r = x.repository.write(x.author(), "DELETE " + path, edit -> {
            Entry current = edit.lookup(path).orElse(null);
            if (current == null && x.header("If-Match") == null) {
                throw new NotFoundException(path, "/" + path + " does not exist");
            }
            if (finite && current != null && current.isFolder()) {
                throw DavProblem.badRequest("DELETE of a collection takes only Depth: infinity");
            }
            Preconditions.checkWrite(x, path, current);
            x.locking.checkIf(x, edit::lookup);
            x.locking.requireTokens(x, path, Locking.Reach.TREE, current == null ? null : current.id());
            edit.delete(path);
            return current;
        });
        // §9.6.1: a deleted resource's locks, and those of everything below it, end with it.
        x.locking.store().removeWithin(Locking.key(x), path.toString());
        x.repository.sideFiles().deleteTree(path);
        ClientMetadata.Repo meta = x.clientMetadata();
        meta.setAway(path, null);
        meta.deleted(path); // its ids end with it and are never given again
        meta.sync();
        x.revision(r.revision());
        x.response.setStatus(204);
    }
}
