package dev.davit.rest;

import dev.davit.storage.history.History;
import dev.davit.storage.history.GitObjects;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.Entry;
import dev.davit.storage.GitRepository;
import dev.davit.storage.MergeConflictException;
import dev.davit.storage.MergeOutcome;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.StaleException;
import dev.davit.storage.StorageException;
import dev.davit.storage.TextMerge;
import dev.davit.storage.TreeEdit;
import dev.davit.storage.WriteResult;

/**
 * {@code GET/PUT/DELETE /repos/{o}/{r}/contents/{path}}: GitHub's repository contents API. Every write is
 * one commit through {@link GitRepository#write}; its preconditions (the {@code sha}) are checked inside
 * the write, on the head it commits on, so two clients holding the same sha cannot both win.
 */
final class ContentsRoutes {
    /** GitHub returns content inline up to 1 MB; above, {@code content} is "" and {@code encoding} "none". */
    static final long INLINE_LIMIT = 1024 * 1024;

    private ContentsRoutes() {
    }

    static Reply get(ApiCall call, RepoPath path) throws IOException, StorageException {
        String ref = call.query("ref");
        GitRepository repo = call.repository;
        try (Snapshot s = ref == null ? repo.head() : repo.at(History.of(repo).resolve(ref).name())) {
            Entry e = s.lookup(path).orElseThrow(() -> new NotFoundException(path, path + " not found"));
            String shownRef = ref == null ? GitRepository.BRANCH.substring("refs/heads/".length()) : ref;
            String accept = call.request.getHeader("Accept");
            if (e.isFolder()) {
                ArrayNode entries = Json.array();
                for (Entry m : s.list(e)) {
                    entries.add(Shapes.contentItem(call.links, m.path(), m.isFolder(), m.id(), m.isFolder() ? 0 : s.size(m), shownRef));
                }
                if (MediaTypes.wantsObject(accept)) {
                    // application/vnd.github.object: a directory as one object with its entries inside.
                    ObjectNode o = Shapes.contentItem(call.links, path, true, e.id(), 0, shownRef);
                    o.set("entries", entries);
                    return Reply.json(200, o).withEtag(e.id());
                }
                return Reply.json(200, entries).withEtag(e.id());
            }
            long size = s.size(e);
            if (MediaTypes.wantsRaw(accept)) {
                byte[] bytes;
                try (InputStream in = s.open(e)) {
                    bytes = in.readAllBytes();
                }
                return new Reply(200, MediaTypes.rawType(bytes), bytes, null, null, java.util.Map.of()).withEtag(e.id());
            }
            ObjectNode n = Json.object();
            n.put("type", "file");
            ObjectNode item = Shapes.contentItem(call.links, path, false, e.id(), size, shownRef);
            if (size <= INLINE_LIMIT) {
                byte[] bytes;
                try (InputStream in = s.open(e)) {
                    bytes = in.readAllBytes();
                }
                n.put("encoding", "base64");
                n.put("content", Json.base64(bytes));
            } else {
                n.put("encoding", "none");
                n.put("content", "");
            }
            item.remove("type");
            n.setAll(item);
            return Reply.json(200, n).withEtag(e.id());
        }
    }

    /**
     * {@code GET readme?ref=}: the top folder's README (GitHub's preference: {@code README.md} first, then
     * any {@code README} or {@code README.*}, case-insensitively), as {@link #get} shows a file; 404 when none.
     */
    static Reply readme(ApiCall call) throws IOException, StorageException {
        String ref = call.query("ref");
        GitRepository repo = call.repository;
        RepoPath found = null;
        try (Snapshot s = ref == null ? repo.head() : repo.at(History.of(repo).resolve(ref).name())) {
            for (Entry m : s.list(s.root())) {
                String name = m.path().name().toLowerCase(java.util.Locale.ROOT);
                if (m.isFolder() || !(name.equals("readme") || name.startsWith("readme."))) {
                    continue;
                }
                if (found == null || name.equals("readme.md")) {
                    found = m.path();
                }
            }
        }
        if (found == null) {
            throw new NotFoundException(RepoPath.ROOT, "no README");
        }
        return get(call, found);
    }

    /** What a PUT did: the blob now at the path, whether it created the file, whether a merge made it. */
    private record PutOutcome(ObjectId blob, long size, boolean created, boolean merged) {
    }

    static Reply put(ApiCall call, RepoPath path) throws IOException, StorageException {
        if (path.isRoot()) {
            throw RestProblem.invalid("a file path is required.");
        }
        ObjectNode body = call.json();
        WriteOptions opts = WriteOptions.parse(body, call, null, RestProblem.DOCS_PUT);
        String content = Json.string(body, "content");
        if (content == null) {
            throw new RestProblem(422, "Invalid request.\n\n\"content\" wasn't supplied.", RestProblem.DOCS_PUT, null);
        }
        byte[] bytes = Json.unbase64(content);
        if (bytes == null) {
            throw new RestProblem(422, "Invalid request.\n\n\"content\" is not valid Base64.", RestProblem.DOCS_PUT, null);
        }
        String sha = Json.string(body, "sha");
        boolean merge = wantsMerge(body);
        GitRepository repo = call.repository;
        ObjectId blob = repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        WriteResult<PutOutcome> r = call.write(opts, edit -> {
            Entry current = edit.lookup(path).orElse(null);
            call.locks.check(path, current == null);
            if (current == null) {
                if (sha != null) {
                    // A sha names a version the client saw; the file is gone (deleted since) or never was:
                    // re-creating it would silently undo someone else's delete (DESIGN.md: stale, current null).
                    throw new StaleException(path, null, sha, path + " does not exist any more; it does not match " + sha);
                }
                // No sha: a create (201); folders are made as needed, as on GitHub.
                edit.makeParents(path);
                edit.putFile(path, blob);
                return new PutOutcome(blob, bytes.length, true, false);
            }
            requireFile(current);
            if (sha == null) {
                throw RestProblem.shaMissing(RestProblem.DOCS_PUT);
            }
            if (sha.equalsIgnoreCase(current.id().name())) {
                edit.putFile(path, blob);
                return new PutOutcome(blob, bytes.length, false, false);
            }
            if (!merge) {
                throw new StaleException(path, current.id(), sha, path + " does not match " + sha);
            }
            return merge(repo, edit, path, current, sha, bytes);
        });
        PutOutcome o = r.value();
        ObjectNode answer = Json.object();
        answer.set("content", Shapes.contentItem(call.links, path, false, o.blob(), o.size(), null));
        answer.set("commit", Shapes.gitCommit(call.links, History.of(repo).commit(r.revision())));
        if (o.merged()) {
            answer.put("merged", true);
        }
        return Reply.json(o.created() ? 201 : 200, answer).withEtag(o.blob()).withRevision(r.revision());
    }

    /**
     * The three-way merge a client asks for with {@code "merge": true}: base is the blob the client's
     * edit started from (its {@code sha}), current is what the file holds now, yours is the new content.
     * Runs inside the write, so a re-run on a newer head merges against that head.
     */
    private static PutOutcome merge(GitRepository repo, TreeEdit edit, RepoPath path, Entry current, String sha, byte[] yours)
            throws IOException, StorageException {
        ObjectId base = sha.matches("[0-9a-fA-F]{40}") ? ObjectId.fromString(sha) : null;
        if (base == null || !GitObjects.of(repo).hasBlob(base)) {
            // Without the base there is nothing to merge against: a plain stale write.
            throw new StaleException(path, current.id(), sha, path + " does not match " + sha);
        }
        MergeOutcome m = TextMerge.merge(repo.readBlob(base), repo.readBlob(current.id()), yours);
        if (m.kind() != MergeOutcome.Kind.CLEAN) {
            throw new MergeConflictException(path, current.id(), base, m);
        }
        ObjectId merged = repo.insertBlob(new ByteArrayInputStream(m.text()), m.text().length);
        edit.putFile(path, merged);
        return new PutOutcome(merged, m.text().length, false, true);
    }

    static Reply delete(ApiCall call, RepoPath path) throws IOException, StorageException {
        if (path.isRoot()) {
            throw RestProblem.invalid("a file path is required.");
        }
        ObjectNode body = call.json();
        WriteOptions opts = WriteOptions.parse(body, call, null, RestProblem.DOCS_DELETE);
        String sha = Json.string(body, "sha");
        GitRepository repo = call.repository;
        WriteResult<Void> r = call.write(opts, edit -> {
            Entry current = edit.lookup(path).orElse(null);
            if (current == null && sha != null) {
                // The version the client wants to delete is gone: its view is stale, as over WebDAV (If-Match).
                throw new StaleException(path, null, sha, path + " does not exist any more; it does not match " + sha);
            }
            if (current == null) {
                throw new NotFoundException(path, path + " not found");
            }
            call.locks.check(path, true);
            requireFile(current);
            if (sha == null) {
                throw RestProblem.shaMissing(RestProblem.DOCS_DELETE);
            }
            if (!sha.equalsIgnoreCase(current.id().name())) {
                throw new StaleException(path, current.id(), sha, path + " does not match " + sha);
            }
            edit.delete(path);
            return null;
        });
        ObjectNode answer = Json.object();
        answer.putNull("content");
        answer.set("commit", Shapes.gitCommit(call.links, History.of(repo).commit(r.revision())));
        return Reply.json(200, answer).withRevision(r.revision());
    }

    /** The contents API writes files; a folder at the path is a conflict with what is there (409). */
    static void requireFile(Entry current) {
        if (current.isFolder()) {
            ObjectNode extra = Json.object().put("error", "is-folder").put("path", current.path().toString());
            throw new RestProblem(409, current.path() + " is a directory, not a file", RestProblem.DOCS_PUT, extra);
        }
    }

    /** Davit's merge request: {@code "merge": true} in the body (Octokit passes unknown parameters through). */
    static boolean wantsMerge(ObjectNode body) {
        JsonNode m = body.get("merge");
        if (m == null || m.isNull()) {
            return false;
        }
        if (!m.isBoolean()) {
            throw RestProblem.invalid("\"merge\" is not a boolean.");
        }
        return m.booleanValue();
    }
}
