package dev.davit.dav;

import java.time.Instant;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.Entry;
import dev.davit.storage.MissingParentException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.StorageException;
import dev.davit.storage.TreeEdit;
import dev.davit.storage.WriteResult;

/**
 * PUT: one file, one commit. Checked twice: before the body is read (so a doomed upload is refused
 * without being transferred) and again inside the write on the head it commits on. A PUT never creates
 * folders (RFC 4918 §9.7.1: 409 when the parent is missing), unlike milton's stock handler.
 */
final class PutHandler extends DavMethod {
    PutHandler() {
        super("PUT");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        RepoPath path = x.path();
        if (path.isRoot() || x.target.trailingSlash()) {
            throw new DavProblem(405, "not-a-file", "PUT needs a file URL, not a folder");
        }
        if (x.header("Content-Range") != null) {
            // RFC 9110 §14.5: a server that does not do partial PUT must refuse it rather than store a fragment.
            throw DavProblem.badRequest("partial PUT (Content-Range) is not supported");
        }
        if (x.header("OC-Chunked") != null) {
            ChunkedPut.handle(x); // Nextcloud's chunking v1: parts kept aside, one commit for the whole file
            return;
        }
        try (Snapshot s = x.repository.head()) {
            if (SideFileRequests.applies(x, s, path)) {
                SideFileRequests.put(x, s);
                return;
            }
            if (x.request.getContentLengthLong() == 0 && SideFileRequests.isWaitingNewFile(x, s, path)) {
                // Explorer PUTs 0 bytes into the file its LOCK made before the content: still nothing to commit.
                SideFileRequests.put(x, s);
                return;
            }
            Locking.EntryLookup view = SideFileRequests.view(x, s::lookup);
            Entry current = view.lookup(path).orElse(null);
            check(x, path, view, current, s.lookup(path.parent()).orElse(null));
            long declared = x.request.getContentLengthLong();
            if (declared >= 0) {
                // Refused before the body is transferred (RFC 4331 §6: 507 with quota-not-exceeded); a chunked
                // body is measured by the commit itself (RepositorySizes.checkCommit), as every write is.
                // The quota counts the tree: a file waiting aside adds nothing yet, a moved-away one is replaced.
                Entry replaced = s.lookup(path).orElse(null);
                x.quota.checkGrowth(s, declared - (replaced == null || replaced.isFolder() ? 0 : s.size(replaced)));
            }
        }
        Instant mtime = clientTime(x.header("X-OC-Mtime"));
        // Read the stream as bytes: the servlet's form parsing is never touched, so a form-encoded or
        // multipart body is stored byte for byte (milton-ce.md §4).
        ObjectId blob;
        long size;
        try (org.apache.commons.io.input.BoundedInputStream in = org.apache.commons.io.input.BoundedInputStream.builder()
                .setInputStream(BodyLimit.of(x, x.request.getInputStream())).get()) {
            blob = x.repository.insertBlob(in, x.request.getContentLengthLong());
            size = in.getCount();
        }
        store(x, path, blob, mtime);
    }

    /** Commits a file whose bytes are in the object store, checking again on the head it commits on, and answers. */
    static void store(DavExchange x, RepoPath path, ObjectId blob, Instant mtime) throws StorageException, java.io.IOException {
        store(x, path, blob, mtime, "PUT " + path);
    }

    /** The same with another commit message (a restored version). */
    static void store(DavExchange x, RepoPath path, ObjectId blob, Instant mtime, String message)
            throws StorageException, java.io.IOException {
        WriteResult<Boolean> r = x.repository.write(x.author(), message, edit -> {
            // The view: a file moved away (Word, vim's backup) is absent; a LOCK's waiting empty file is there.
            Locking.EntryLookup view = SideFileRequests.view(x, edit::lookup);
            Entry current = view.lookup(path).orElse(null);
            check(x, path, view, current, edit.lookup(path.parent()).orElse(null));
            edit.putFile(path, blob);
            dropStoredTime(edit, path);
            return current == null;
        });
        SideFileRequests.committed(x, path);
        x.revision(r.revision());
        // The client's time is kept beside the repository, never as a file in its tree (git clone shows
        // only what people made); it holds while the content is this blob.
        ClientMetadata.Repo meta = x.clientMetadata();
        if (r.value()) {
            meta.deleted(path); // a new file: an id left from a file deleted outside WebDAV is not reused
        }
        meta.setClientTime(path, blob, mtime);
        x.response.setHeader("ETag", ETags.of(blob));
        if (x.mount.forSyncClients() || mtime != null) {
            String fileId = meta.ocId(path);
            meta.sync();
            if (mtime != null) {
                x.response.setHeader("X-OC-MTime", "accepted");
            }
            // Nextcloud/ownCloud read the new file's id and version from these, sparing a PROPFIND per upload.
            x.response.setHeader("OC-FileId", fileId);
            x.response.setHeader("OC-ETag", ETags.of(blob));
            x.response.setHeader("OC-Perm", OcProperties.permissions(new Entry(path, Entry.Kind.FILE, blob), x));
        }
        // A plain WebDAV PUT gives no file id now (one is given when a sync client first lists the file) and so
        // syncs nothing beside the commit log: an fsync of the id log on every PUT halved the PUT rate. The
        // forgetting above is written with the next change that is synced; lost in a crash, it only lets an id
        // of a file deleted outside WebDAV stay with its path.
        x.response.setStatus(r.value() ? 201 : 204);
        x.response.setContentLength(0);
    }

    /**
     * ownCloud's and rclone's {@code X-OC-Mtime} (Unix seconds): the client's modification time, served as the
     * file's {@code getlastmodified} so a sync client sees the time it set and does not upload again.
     */
    static Instant clientTime(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Instant.ofEpochSecond((long) Math.floor(Double.parseDouble(header.trim())));
        } catch (NumberFormatException e) {
            throw DavProblem.badRequest("X-OC-Mtime must be Unix seconds, not '" + header + "'");
        }
    }

    /**
     * Drops a {@code getlastmodified} kept as a dead property in the tree (PROPPATCH, or Davit before
     * client times moved beside the repository): new content was last modified now, or at the client time
     * kept beside the repository, and the old value would shadow either. Never writes a new hidden file.
     */
    private static void dropStoredTime(TreeEdit edit, RepoPath path) throws StorageException, java.io.IOException {
        byte[] stored = edit.metadata(path).orElse(null);
        if (stored == null) {
            return;
        }
        DeadProperties props = DeadProperties.parse(stored);
        if (props.get(LiveProperties.GETLASTMODIFIED) != null) {
            props.remove(LiveProperties.GETLASTMODIFIED);
            edit.setMetadata(path, props.toBytes());
        }
    }

    static void check(DavExchange x, RepoPath path, Locking.EntryLookup lookup, Entry current, Entry parent)
            throws StorageException, java.io.IOException {
        if (parent == null || !parent.isFolder()) {
            throw missingParent(x, path);
        }
        if (current != null && current.isFolder()) {
            throw new DavProblem(405, "is-folder", "/" + path + " is a folder; PUT cannot replace a folder");
        }
        // A stale If-Match is checked first: it answers 409 with the current version, which a client can
        // act on (davfs2's second mount editing the same file); a false If header then answers 412.
        Preconditions.checkWrite(x, path, current, x.locking.isLockCreatedEmpty(x, path, current));
        x.locking.checkIf(x, lookup);
        x.locking.requireTokens(x, path, current == null ? Locking.Reach.MEMBER : Locking.Reach.RESOURCE,
                current == null ? null : current.id());
    }

    /** Names the first ancestor that is missing or is a file. */
    static MissingParentException missingParent(DavExchange x, RepoPath path) throws java.io.IOException {
        try (Snapshot s = x.repository.head()) {
            RepoPath walked = RepoPath.ROOT;
            for (String seg : path.parent().segments()) {
                walked = walked.child(seg);
                Entry e = s.lookup(walked).orElse(null);
                if (e == null) {
                    return new MissingParentException(path, walked, false);
                }
                if (!e.isFolder()) {
                    return new MissingParentException(path, walked, true);
                }
            }
            return new MissingParentException(path, path.parent(), false);
        }
    }
}
