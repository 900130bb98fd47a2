package dev.davit.rest;

import dev.davit.storage.history.History;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.AlreadyExistsException;
import dev.davit.storage.Entry;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.StaleException;
import dev.davit.storage.StorageException;
import dev.davit.storage.TreeEdit;
import dev.davit.storage.WriteResult;

/**
 * {@code POST /repos/{o}/{r}/contents}: many file operations as one commit, in the shape of Gitea's
 * {@code ChangeFilesOptions} ({@code files[]} of {@code operation}, {@code path}, {@code content},
 * {@code sha}, {@code from_path}). All or nothing: every precondition is checked inside the one write, so
 * one stale {@code sha} refuses the whole batch and nothing is committed.
 *
 * <p>Operations: {@code create} (the path must not exist), {@code update} (must exist, {@code sha}
 * required; with {@code from_path} it also moves the file), {@code upload} (create or update; a given
 * {@code sha} is checked), {@code delete} ({@code sha} required), {@code rename} ({@code from_path} to
 * {@code path}, {@code sha} of the source required, {@code content} optional).
 */
final class BatchRoute {
    private static final String DOCS = "https://gitea.com/api/swagger#/repository/repoChangeFiles";

    private BatchRoute() {
    }

    /** One validated operation; {@code blob} is the new content, already stored, or null. */
    private record Op(String operation, RepoPath path, RepoPath from, String sha, ObjectId blob, long size) {
    }

    static Reply post(ApiCall call) throws IOException, StorageException {
        ObjectNode body = call.json();
        JsonNode files = body.get("files");
        if (!(files instanceof ArrayNode arr) || arr.isEmpty()) {
            throw new RestProblem(422, "Invalid request.\n\n\"files\" wasn't supplied.", DOCS, null);
        }
        GitRepository repo = call.repository;
        List<Op> ops = new ArrayList<>();
        for (JsonNode f : arr) {
            ops.add(parse(f, repo));
        }
        StringBuilder msg = new StringBuilder("Change files:");
        ops.forEach(o -> msg.append(' ').append(o.path()));
        WriteOptions opts = WriteOptions.parse(body, call, msg.toString(), DOCS);
        WriteResult<List<Op>> r = call.write(opts, edit -> {
            List<Op> done = new ArrayList<>();
            for (Op o : ops) {
                call.locks.check(o.path(), true);
                if (o.from() != null) {
                    call.locks.check(o.from(), true);
                }
                done.add(apply(edit, o));
            }
            return done;
        });
        ArrayNode answered = Json.array();
        for (Op o : r.value()) {
            if (o.operation().equals("delete")) {
                answered.addNull();
            } else {
                long size = o.size() >= 0 ? o.size() : repo.readBlob(o.blob()).length;
                answered.add(Shapes.contentItem(call.links, o.path(), false, o.blob(), size, null));
            }
        }
        ObjectNode answer = Json.object();
        answer.set("files", answered);
        answer.set("commit", Shapes.gitCommit(call.links, History.of(repo).commit(r.revision())));
        answer.set("verification", Json.object().put("verified", false).put("reason", "unsigned")
                .putNull("signature").putNull("payload"));
        return Reply.json(201, answer).withRevision(r.revision());
    }

    private static Op parse(JsonNode node, GitRepository repo) throws IOException, StorageException {
        if (!(node instanceof ObjectNode f)) {
            throw RestProblem.invalid("each of \"files\" must be an object.");
        }
        String operation = Json.string(f, "operation");
        if (operation == null) {
            throw RestProblem.invalid("\"operation\" wasn't supplied.");
        }
        operation = operation.toLowerCase(Locale.ROOT);
        if (!List.of("create", "update", "upload", "delete", "rename").contains(operation)) {
            throw RestProblem.invalid("\"operation\" must be one of create, update, upload, delete, rename.");
        }
        String rawPath = Json.string(f, "path");
        if (rawPath == null || rawPath.isEmpty()) {
            throw RestProblem.invalid("\"path\" wasn't supplied.");
        }
        RepoPath path = RepoPath.parse(rawPath);
        if (path.isRoot()) {
            throw RestProblem.invalid("\"path\" must name a file.");
        }
        String fromRaw = Json.string(f, "from_path");
        RepoPath from = fromRaw == null || fromRaw.isEmpty() ? null : RepoPath.parse(fromRaw);
        if (operation.equals("rename") && from == null) {
            throw RestProblem.invalid("\"from_path\" wasn't supplied.");
        }
        String content = Json.string(f, "content");
        ObjectId blob = null;
        long size = 0;
        if (content != null && !operation.equals("delete")) {
            byte[] bytes = Json.unbase64(content);
            if (bytes == null) {
                throw RestProblem.invalid("\"content\" of " + path + " is not valid Base64.");
            }
            blob = repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
            size = bytes.length;
        } else if (List.of("create", "update", "upload").contains(operation)) {
            throw RestProblem.invalid("\"content\" of " + path + " wasn't supplied.");
        }
        return new Op(operation, path, from, Json.string(f, "sha"), blob, size);
    }

    /** Applies one operation on the edit; returns it with the blob and size now at its path. */
    private static Op apply(TreeEdit edit, Op o) throws IOException, StorageException {
        RepoPath path = o.path();
        Entry current = edit.lookup(path).orElse(null);
        switch (o.operation()) {
            case "create" -> {
                if (current != null) {
                    throw new AlreadyExistsException(path);
                }
                edit.makeParents(path);
                edit.putFile(path, o.blob());
                return o;
            }
            case "upload" -> {
                if (current != null) {
                    ContentsRoutes.requireFile(current);
                    if (o.sha() != null) {
                        checkSha(path, current, o.sha());
                    }
                } else if (o.sha() != null) {
                    throw goneSince(path, o.sha());
                } else {
                    edit.makeParents(path);
                }
                edit.putFile(path, o.blob());
                return o;
            }
            case "update" -> {
                if (o.from() != null && !o.from().equals(path)) {
                    return move(edit, o);
                }
                Entry e = existing(current, path, o.sha());
                checkSha(path, e, o.sha());
                edit.putFile(path, o.blob());
                return o;
            }
            case "delete" -> {
                Entry e = existing(current, path, o.sha());
                checkSha(path, e, o.sha());
                edit.delete(path);
                return o;
            }
            case "rename" -> {
                return move(edit, o);
            }
            default -> throw new IllegalStateException("validated before: " + o.operation());
        }
    }

    /** Moves {@code from_path} to {@code path} (its dead properties travel with it), then sets new content if given. */
    private static Op move(TreeEdit edit, Op o) throws IOException, StorageException {
        Entry source = existing(edit.lookup(o.from()).orElse(null), o.from(), o.sha());
        checkSha(o.from(), source, o.sha());
        if (edit.lookup(o.path()).isPresent()) {
            throw new AlreadyExistsException(o.path());
        }
        edit.makeParents(o.path());
        edit.copy(o.from(), o.path(), false);
        edit.delete(o.from());
        if (o.blob() != null) {
            edit.putFile(o.path(), o.blob());
            return o;
        }
        return new Op(o.operation(), o.path(), o.from(), o.sha(), source.id(), -1);
    }

    /** A missing file is stale when the client named a version of it (its sha), else not found. */
    private static Entry existing(Entry current, RepoPath path, String sha) throws NotFoundException, StaleException {
        if (current == null && sha != null) {
            throw goneSince(path, sha);
        }
        if (current == null) {
            throw new NotFoundException(path, path + " not found");
        }
        ContentsRoutes.requireFile(current);
        return current;
    }

    /** The client's sha names a version of a file that no longer exists (or never did): stale, current null. */
    private static StaleException goneSince(RepoPath path, String sha) {
        return new StaleException(path, null, sha, path + " does not exist any more; it does not match " + sha);
    }

    private static void checkSha(RepoPath path, Entry current, String sha) throws StaleException {
        if (sha == null) {
            throw RestProblem.shaMissing(DOCS);
        }
        if (!sha.equalsIgnoreCase(current.id().name())) {
            throw new StaleException(path, current.id(), sha, path + " does not match " + sha);
        }
    }
}
