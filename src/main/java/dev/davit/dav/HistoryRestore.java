package dev.davit.dav;

import java.util.ArrayList;
import java.util.List;

import dev.davit.storage.Entry;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.WriteResult;

/**
 * COPY from {@code .history} onto the live tree: puts a past file (or a past folder, with everything
 * below it) at the destination in one commit, {@code Restore <path> from <short id>}. The destination's
 * locks, {@code If}, {@code If-Match} and {@code Overwrite} are checked as for any COPY.
 */
final class HistoryRestore {
    private HistoryRestore() {
    }

    static void restore(DavExchange x, HistoryView.Node n) throws Exception {
        try (n) {
            if (n.computed()) {
                throw new DavProblem(403, "not-a-version", "/" + x.path() + " is a listing of the history; COPY a file or folder of a past commit");
            }
            RepoPath target = CopyMoveHandler.destination(x);
            if (HistoryView.claims(target) || target.isRoot()) {
                throw new DavProblem(403, "read-only-history", "restore onto a path of the live tree, not /" + target);
            }
            boolean overwrite = CopyMoveHandler.overwrite(x);
            Snapshot past = n.snapshot();
            Entry source = n.entry();
            // Read everything first: the write's mutation may run more than once (a lost swap re-applies it).
            List<Entry> files = new ArrayList<>();
            List<Entry> folders = new ArrayList<>();
            List<byte[]> props = new ArrayList<>();
            if (source.isFolder()) {
                past.walk(source, Integer.MAX_VALUE, (e, meta) -> {
                    if (e.isFolder()) {
                        folders.add(e);
                    } else {
                        files.add(e);
                        props.add(meta == null ? null : past.readMetadata(meta));
                    }
                });
            }
            byte[] fileProps = source.isFolder() ? null : past.metadata(source).orElse(null);
            String message = "Restore " + source.path() + " from " + n.shortId()
                    + (target.equals(source.path()) ? "" : " to " + target);
            WriteResult<Boolean> r = x.repository.write(x.author(), message, edit -> {
                Entry existing = edit.lookup(target).orElse(null);
                x.locking.checkIf(x, edit::lookup);
                Preconditions.checkWrite(x, target, existing);
                x.locking.requireTokens(x, target, existing == null ? Locking.Reach.MEMBER : Locking.Reach.TREE,
                        existing == null ? null : existing.id());
                if (existing != null) {
                    if (!overwrite) {
                        throw new DavProblem(412, "destination-exists", "/" + target + " exists and Overwrite is F");
                    }
                    edit.delete(target);
                }
                if (!source.isFolder()) {
                    edit.putFile(target, source.id());
                    edit.setMetadata(target, fileProps);
                    return existing == null;
                }
                edit.mkdir(target);
                for (Entry f : folders) {
                    RepoPath p = f.path().rebase(source.path(), target);
                    if (edit.lookup(p).isEmpty()) {
                        edit.makeParents(p);
                        edit.mkdir(p);
                    }
                }
                for (int i = 0; i < files.size(); i++) {
                    RepoPath p = files.get(i).path().rebase(source.path(), target);
                    edit.makeParents(p);
                    edit.putFile(p, files.get(i).id());
                    if (props.get(i) != null) {
                        edit.setMetadata(p, props.get(i));
                    }
                }
                return existing == null;
            });
            x.revision(r.revision());
            x.response.setStatus(r.value() ? 201 : 204);
            x.response.setContentLength(0);
        }
    }

}
