package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import dev.davit.storage.Entry;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;

/**
 * Requests on junk names ({@link JunkNames}): the same WebDAV semantics (locks, preconditions, 409 for a
 * missing folder), but the bytes go to the repository's side store and no commit is made. A name that
 * is already committed (from before the setting, or pushed with git) stays a normal file.
 */
final class SideFileRequests {
    private SideFileRequests() {
    }

    /** The kept-aside file at the request path, when the name is junk and no committed file has it. */
    static Optional<SideFiles.SideFile> find(DavExchange x, Snapshot s, RepoPath path) throws IOException {
        if (!x.isJunk(path) || s.lookup(path).isPresent()) {
            return Optional.empty();
        }
        return x.repository.sideFiles().get(path);
    }

    /** True when this request should be served from the side store rather than the tree. */
    static boolean applies(DavExchange x, Snapshot s, RepoPath path) throws IOException {
        return x.rev() == null && x.isJunk(path) && s.lookup(path).isEmpty();
    }

    static Entry entry(SideFiles.SideFile f) {
        return new Entry(f.path(), Entry.Kind.FILE, f.id());
    }

    /** PUT of a junk name: checked like any PUT, stored aside, no commit. */
    static void put(DavExchange x, Snapshot s) throws Exception {
        RepoPath path = x.path();
        Entry parent = s.lookup(path.parent()).orElse(null);
        if (parent == null || !parent.isFolder()) {
            throw PutHandler.missingParent(x, path);
        }
        Entry current = x.repository.sideFiles().get(path).map(SideFileRequests::entry).orElse(null);
        Preconditions.checkWrite(x, path, current, x.locking.isLockCreatedEmpty(x, path, current));
        x.locking.checkIf(x, p -> p.equals(path) ? Optional.ofNullable(current) : s.lookup(p));
        x.locking.requireTokens(x, path, current == null ? Locking.Reach.MEMBER : Locking.Reach.RESOURCE,
                current == null ? null : current.id());
        SideFiles.SideFile stored;
        try (InputStream in = BodyLimit.of(x, x.request.getInputStream())) {
            stored = x.repository.sideFiles().put(path, in);
        }
        x.response.setHeader("ETag", ETags.of(stored.id()));
        x.response.setStatus(current == null ? 201 : 204);
        x.response.setContentLength(0);
    }

    /**
     * COPY or MOVE where a kept-aside file is involved. Between two junk names the file stays aside (Finder
     * renames {@code ._a} with {@code a}); turning a committed file into junk or junk into a committed file
     * is refused, so nothing enters or leaves the history by a rename nobody meant.
     *
     * @return false when neither side is kept aside (the normal COPY/MOVE applies)
     */
    static boolean copyOrMove(DavExchange x, Snapshot s, RepoPath source, RepoPath target, boolean move, boolean overwrite)
            throws Exception {
        Optional<SideFiles.SideFile> src = find(x, s, source);
        boolean targetAside = x.isJunk(target) && s.lookup(target).isEmpty();
        if (src.isEmpty() && !(targetAside && s.lookup(source).isPresent())) {
            return false;
        }
        if (src.isEmpty() || !targetAside) {
            throw new DavProblem(403, "kept-aside", "/" + (src.isPresent() ? source : target)
                    + " is a desktop junk name kept out of the history; COPY/MOVE cannot move files between it and the"
                    + " committed tree (PUT the content instead)");
        }
        Entry parent = s.lookup(target.parent()).orElse(null);
        if (parent == null || !parent.isFolder()) {
            throw PutHandler.missingParent(x, target);
        }
        Entry existing = x.repository.sideFiles().get(target).map(SideFileRequests::entry).orElse(null);
        x.locking.checkIf(x, p -> p.equals(source) ? Optional.of(entry(src.get())) : s.lookup(p));
        if (move) {
            x.locking.requireTokens(x, source, Locking.Reach.MEMBER, src.get().id());
            Preconditions.checkWrite(x, source, entry(src.get()));
        } else {
            Preconditions.checkWrite(x, target, existing);
        }
        x.locking.requireTokens(x, target, existing == null ? Locking.Reach.MEMBER : Locking.Reach.RESOURCE,
                existing == null ? null : existing.id());
        if (existing != null && !overwrite) {
            throw new DavProblem(412, "destination-exists", "/" + target + " exists and Overwrite is F");
        }
        if (move) {
            x.repository.sideFiles().move(source, target);
            x.locking.store().removeWithin(Locking.key(x), source.toString());
        } else {
            x.repository.sideFiles().copy(source, target);
        }
        x.response.setStatus(existing == null ? 201 : 204);
        x.response.setContentLength(0);
        return true;
    }

    /** DELETE of a kept-aside file. */
    static void delete(DavExchange x, SideFiles.SideFile f) throws Exception {
        RepoPath path = x.path();
        Entry current = entry(f);
        x.locking.requireTokens(x, path, Locking.Reach.MEMBER, current.id());
        Preconditions.checkWrite(x, path, current);
        x.repository.sideFiles().delete(path);
        x.locking.store().removeWithin(Locking.key(x), path.toString());
        x.response.setStatus(204);
    }
}
