package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.lock.Lock;
import dev.davit.storage.Entry;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;
import dev.davit.storage.StorageException;
import dev.davit.storage.WriteResult;

/**
 * Files kept beside the repository until they are a save: the same WebDAV semantics (locks, preconditions,
 * 409 for a missing folder) as committed files, but no commit. Three kinds:
 * <ul>
 * <li>junk names ({@link JunkNames}): desktop files, and the swap, lock, backup and temp files editors save
 * through. A MOVE (or COPY) of one onto a real name is the save: it commits the content there, one commit
 * {@code Save <path>} (rsync's {@code .a.XXXXXX -> a}, {@code sed -i}'s {@code sedXXXXXX -> a}, Word's
 * {@code ~WRD0000.tmp -> a.docx}, LibreOffice's {@code lu*.tmp -> a.odt}).</li>
 * <li>committed files moved onto a junk name (Word's {@code a.docx -> ~WRL0001.tmp}, a {@code name~} backup):
 * the bytes are copied aside and the file is hidden from WebDAV, with no commit (see
 * {@link ClientMetadata.Repo#awayAt}); what is then saved at its name is a modification of it, so
 * {@code git log --follow} stays continuous. Moved on to another real name it is a rename; deleted, the file
 * is deleted (one commit each time).</li>
 * <li>the empty file a LOCK of a new URL makes (RFC 4918 §7.3): it waits aside under its real name until the
 * lock holder's first PUT with content, the one commit; an UNLOCK (or the first request after the lock
 * expired) without one commits the empty file.</li>
 * </ul>
 * A name that is already committed (from before the setting, or pushed with git) stays a normal file.
 */
final class SideFileRequests {
    private SideFileRequests() {
    }

    /** The committed entry WebDAV shows at {@code path}: none while the file is moved away. */
    static Optional<Entry> visible(DavExchange x, Locking.EntryLookup tree, RepoPath path) throws IOException {
        Optional<Entry> e = tree.lookup(path);
        if (e.isPresent() && !e.get().isFolder() && x.clientMetadata().awayAt(path) != null) {
            return Optional.empty();
        }
        return e;
    }

    /** What WebDAV shows at a path: the visible committed entry, else a file kept aside there. */
    static Locking.EntryLookup view(DavExchange x, Locking.EntryLookup tree) {
        return p -> {
            Optional<Entry> e = visible(x, tree, p);
            if (e.isPresent() || p.isRoot() || x.rev() != null) {
                return e;
            }
            return x.repository.sideFiles().get(p).map(SideFileRequests::entry);
        };
    }

    /** True while the committed file at {@code path} is moved away (hidden from WebDAV). */
    static boolean hidden(DavExchange x, RepoPath path) throws IOException {
        return x.rev() == null && !path.isRoot() && x.clientMetadata().awayAt(path) != null;
    }

    /** The kept-aside file at the request path, when WebDAV shows no committed file there. */
    static Optional<SideFiles.SideFile> find(DavExchange x, Snapshot s, RepoPath path) throws IOException {
        if (x.rev() != null || path.isRoot() || visible(x, s::lookup, path).isPresent()) {
            return Optional.empty();
        }
        return x.repository.sideFiles().get(path);
    }

    /** True when a PUT or LOCK of this path is served from the side store (a junk name WebDAV shows no file at). */
    static boolean applies(DavExchange x, Snapshot s, RepoPath path) throws IOException {
        return x.rev() == null && x.isJunk(path) && visible(x, s::lookup, path).isEmpty();
    }

    /** True for the empty file a LOCK of a new, ordinary URL left aside, waiting for the holder's PUT. */
    static boolean isWaitingNewFile(DavExchange x, Snapshot s, RepoPath path) throws IOException {
        return !x.isJunk(path) && find(x, s, path).isPresent();
    }

    static Entry entry(SideFiles.SideFile f) {
        return new Entry(f.path(), Entry.Kind.FILE, f.id());
    }

    /** PUT kept aside (a junk name, or an empty PUT onto a LOCK's waiting file): checked like any PUT, no commit. */
    static void put(DavExchange x, Snapshot s) throws Exception {
        RepoPath path = x.path();
        Entry parent = s.lookup(path.parent()).orElse(null);
        if (parent == null || !parent.isFolder()) {
            throw PutHandler.missingParent(x, path);
        }
        Entry current = x.repository.sideFiles().get(path).map(SideFileRequests::entry).orElse(null);
        Preconditions.checkWrite(x, path, current, x.locking.isLockCreatedEmpty(x, path, current));
        x.locking.checkIf(x, view(x, s::lookup));
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
     * COPY or MOVE where a kept-aside file is involved.
     *
     * @return false when neither side is kept aside (the normal COPY/MOVE applies)
     */
    static boolean copyOrMove(DavExchange x, Snapshot s, RepoPath source, RepoPath target, boolean move, boolean overwrite)
            throws Exception {
        Optional<SideFiles.SideFile> src = find(x, s, source);
        Optional<Entry> committed = visible(x, s::lookup, source);
        boolean targetAside = x.isJunk(target) && visible(x, s::lookup, target).isEmpty();
        if (src.isEmpty() && committed.isEmpty() && hidden(x, source)) {
            throw new NotFoundException(source, "/" + source + " does not exist");
        }
        if (src.isEmpty() && !(targetAside && committed.isPresent())) {
            return false;
        }
        Entry parent = s.lookup(target.parent()).orElse(null);
        if (parent == null || !parent.isFolder()) {
            throw PutHandler.missingParent(x, target);
        }
        if (src.isPresent() && !targetAside) {
            save(x, s, src.get(), target, move, overwrite);
            return true;
        }
        Entry from = src.isPresent() ? entry(src.get()) : committed.get();
        if (from.isFolder()) {
            throw new DavProblem(403, "kept-aside", "/" + target + " is a name kept out of the history (junk.patterns);"
                    + " a folder cannot be moved or copied to it");
        }
        Locking.EntryLookup view = view(x, s::lookup);
        Entry existing = x.repository.sideFiles().get(target).map(SideFileRequests::entry).orElse(null);
        x.locking.checkIf(x, view);
        if (move) {
            x.locking.requireTokens(x, source, src.isPresent() ? Locking.Reach.MEMBER : Locking.Reach.TREE, from.id());
            Preconditions.checkWrite(x, source, from);
        } else {
            Preconditions.checkWrite(x, target, existing);
        }
        x.locking.requireTokens(x, target, existing == null ? Locking.Reach.MEMBER : Locking.Reach.RESOURCE,
                existing == null ? null : existing.id());
        if (existing != null && !overwrite) {
            throw new DavProblem(412, "destination-exists", "/" + target + " exists and Overwrite is F");
        }
        ClientMetadata.Repo meta = x.clientMetadata();
        if (existing != null) {
            replacedAside(x, target); // a file moved away to it loses its only copy: it is deleted
        }
        if (src.isPresent()) {
            // Between two kept-aside names the file stays aside (Finder renames ._a with a).
            if (move) {
                RepoPath awayFrom = meta.awayFrom(source);
                x.repository.sideFiles().move(source, target);
                x.locking.store().removeWithin(Locking.key(x), source.toString());
                if (awayFrom != null) {
                    meta.setAway(awayFrom, target);
                }
            } else {
                x.repository.sideFiles().copy(source, target);
            }
        } else {
            // A committed file onto a kept-aside name: its bytes go aside; a MOVE hides it without a commit,
            // because editors move a document away only to put its new version in its place.
            try (InputStream in = s.open(from, s.size(from))) {
                x.repository.sideFiles().put(target, in);
            }
            if (move) {
                meta.setAway(source, target);
                x.locking.store().removeWithin(Locking.key(x), source.toString());
            }
        }
        meta.sync();
        x.response.setStatus(existing == null ? 201 : 204);
        x.response.setContentLength(0);
        return true;
    }

    /**
     * A kept-aside file MOVEd (or COPYed) onto a real name: one commit of its content there. When it holds a
     * committed file that was moved away, that file's history continues: at its own name as a modification,
     * at another name as a rename.
     */
    private static void save(DavExchange x, Snapshot s, SideFiles.SideFile src, RepoPath target, boolean move, boolean overwrite)
            throws Exception {
        RepoPath source = src.path();
        Entry srcEntry = entry(src);
        ClientMetadata.Repo meta = x.clientMetadata();
        RepoPath movedFrom = move ? meta.awayFrom(source) : null;
        boolean rename = movedFrom != null && !movedFrom.equals(target);
        ObjectId blob;
        try (InputStream in = x.repository.sideFiles().open(source)) {
            blob = x.repository.insertBlob(in, src.size());
        }
        String message = rename ? "MOVE " + movedFrom + " -> " + target : "Save " + target;
        WriteResult<Boolean> r = x.repository.write(x.author(), message, edit -> {
            Locking.EntryLookup view = view(x, edit::lookup);
            Entry existing = view.lookup(target).orElse(null);
            x.locking.checkIf(x, p -> p.equals(source) ? Optional.of(srcEntry) : view.lookup(p));
            if (move) {
                x.locking.requireTokens(x, source, Locking.Reach.MEMBER, srcEntry.id());
                Preconditions.checkWrite(x, source, srcEntry);
            } else {
                Preconditions.checkWrite(x, target, existing);
            }
            x.locking.requireTokens(x, target, existing == null ? Locking.Reach.MEMBER : Locking.Reach.TREE,
                    existing == null ? null : existing.id());
            if (existing != null && !overwrite) {
                throw new DavProblem(412, "destination-exists", "/" + target + " exists and Overwrite is F");
            }
            if (edit.lookup(target).map(Entry::isFolder).orElse(false)) {
                edit.delete(target);
            }
            edit.putFile(target, blob);
            if (rename) {
                edit.delete(movedFrom);
            }
            return existing == null;
        });
        if (rename) {
            meta.setAway(movedFrom, null);
            meta.moved(movedFrom, target); // Nextcloud's file id follows, as for any rename
        }
        committed(x, target);
        if (move) {
            x.repository.sideFiles().delete(source);
            x.locking.store().removeWithin(Locking.key(x), source.toString());
        }
        x.revision(r.revision());
        x.response.setHeader("ETag", ETags.of(blob));
        x.response.setHeader("OC-FileId", meta.ocId(target));
        meta.sync();
        x.response.setStatus(r.value() ? 201 : 204);
        x.response.setContentLength(0);
    }

    /**
     * After a commit placed a file at {@code path}: it is no longer moved away, and the empty file a LOCK left
     * waiting there is done with. Made durable before the answer.
     */
    static void committed(DavExchange x, RepoPath path) throws IOException {
        ClientMetadata.Repo meta = x.clientMetadata();
        if (meta.awayAt(path) != null) {
            meta.setAway(path, null);
        }
        meta.sync();
        if (!x.isJunk(path) && x.repository.sideFiles().has(path)) {
            x.repository.sideFiles().delete(path);
        }
    }

    /**
     * A kept-aside file is deleted or replaced: if it held a committed file moved away to it, that file is
     * deleted now (one commit), since no save brought it back.
     */
    private static void replacedAside(DavExchange x, RepoPath aside) throws IOException, StorageException {
        ClientMetadata.Repo meta = x.clientMetadata();
        RepoPath movedFrom = meta.awayFrom(aside);
        if (movedFrom == null) {
            return;
        }
        WriteResult<Boolean> r = x.repository.write(x.author(), "DELETE " + movedFrom, edit -> edit.delete(movedFrom));
        meta.setAway(movedFrom, null);
        meta.deleted(movedFrom);
        meta.sync();
        x.revision(r.revision());
    }

    /** DELETE of a kept-aside file. */
    static void delete(DavExchange x, SideFiles.SideFile f) throws Exception {
        RepoPath path = x.path();
        Entry current = entry(f);
        x.locking.requireTokens(x, path, Locking.Reach.MEMBER, current.id());
        Preconditions.checkWrite(x, path, current);
        replacedAside(x, path);
        x.repository.sideFiles().delete(path);
        x.locking.store().removeWithin(Locking.key(x), path.toString());
        x.response.setStatus(204);
    }

    /**
     * Commits the empty file a LOCK of a new URL left waiting at {@code path} once no lock that made it is
     * left (UNLOCK, or expiry noticed by the next request there): RFC 4918 §7.3 made it a resource, and the
     * lock holder wrote nothing into it.
     */
    static void settle(DavExchange x, RepoPath path, dev.davit.storage.Identity author) throws IOException, StorageException {
        if (path.isRoot() || x.isJunk(path) || !x.repository.sideFiles().has(path)) {
            return;
        }
        for (Lock l : x.locking.covering(x, path)) {
            if (l.createdEmpty() && l.root().equals(path.toString())) {
                return; // still waiting for its holder's PUT
            }
        }
        SideFiles.SideFile f;
        try (Snapshot s = x.repository.head()) {
            f = find(x, s, path).orElse(null);
            if (f == null || s.lookup(path.parent()).map(e -> !e.isFolder()).orElse(true)) {
                return;
            }
        }
        ObjectId blob;
        try (InputStream in = x.repository.sideFiles().open(path)) {
            blob = x.repository.insertBlob(in, f.size());
        }
        byte[] props = x.repository.sideFiles().metadata(path).orElse(null);
        WriteResult<Boolean> r = x.repository.write(author, "Save " + path + " (new empty file)", edit -> {
            if (visible(x, edit::lookup, path).isPresent()) {
                return false; // a write placed a file there meanwhile
            }
            edit.putFile(path, blob);
            if (props != null) {
                edit.setMetadata(path, props);
            }
            return true;
        });
        committed(x, path);
        x.revision(r.revision());
    }
}
