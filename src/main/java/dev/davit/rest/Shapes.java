package dev.davit.rest;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.history.FileChange;
import dev.davit.storage.history.Person;
import dev.davit.storage.RepoPath;

/**
 * GitHub's JSON shapes, field for field where Davit has the data (GitHub-only notions such as users'
 * avatars or signature checks get their neutral values: null, false, "unsigned").
 */
final class Shapes {
    private Shapes() {
    }

    /** A contents item: file or dir, without content (a directory listing's entries, a PUT's {@code content}). */
    static ObjectNode contentItem(Links l, RepoPath path, boolean folder, ObjectId id, long size, String ref) {
        ObjectNode n = Json.object();
        String self = l.contents(path, ref);
        String git = folder ? l.tree(id) : l.blob(id);
        String html = l.dav(path, folder, null);
        n.put("name", path.name());
        n.put("path", path.toString());
        n.put("sha", id.name());
        n.put("size", folder ? 0 : size);
        n.put("url", self);
        n.put("html_url", html);
        n.put("git_url", git);
        if (folder) {
            n.putNull("download_url");
        } else {
            n.put("download_url", html);
        }
        n.put("type", folder ? "dir" : "file");
        ObjectNode links = n.putObject("_links");
        links.put("self", self);
        links.put("git", git);
        links.put("html", html);
        return n;
    }

    /** The git-data view of a commit ({@code commit} of a PUT/DELETE answer, {@code GET git/commits/{sha}}). */
    static ObjectNode gitCommit(Links l, CommitInfo c) {
        ObjectNode n = Json.object();
        n.put("sha", c.id().name());
        n.put("url", l.gitCommit(c.id()));
        n.put("html_url", l.commit(c.id()));
        n.set("author", person(c.author()));
        n.set("committer", person(c.committer()));
        n.put("message", c.message());
        n.set("tree", Json.object().put("url", l.tree(c.tree())).put("sha", c.tree().name()));
        n.set("parents", parents(l, c.parents()));
        n.set("verification", unverified());
        return n;
    }

    /** The REST view of a commit (commits list, compare); {@code author}/{@code committer} are GitHub accounts: null. */
    static ObjectNode restCommit(Links l, CommitInfo c) {
        ObjectNode n = Json.object();
        n.put("sha", c.id().name());
        ObjectNode inner = n.putObject("commit");
        inner.set("author", person(c.author()));
        inner.set("committer", person(c.committer()));
        inner.put("message", c.message());
        inner.set("tree", Json.object().put("sha", c.tree().name()).put("url", l.tree(c.tree())));
        inner.put("url", l.gitCommit(c.id()));
        inner.put("comment_count", 0);
        inner.set("verification", unverified());
        n.put("url", l.commit(c.id()));
        n.put("html_url", l.commit(c.id()));
        n.put("comments_url", l.commit(c.id()) + "/comments");
        n.putNull("author");
        n.putNull("committer");
        n.set("parents", parents(l, c.parents()));
        return n;
    }

    /** A file of a commit or comparison ({@code files[]}), with its patch. */
    static ObjectNode fileChange(Links l, FileChange f, ObjectId at) throws dev.davit.storage.InvalidPathException {
        ObjectNode n = Json.object();
        RepoPath path = RepoPath.parse(f.path());
        n.put("sha", f.blob().name());
        n.put("filename", f.path());
        n.put("status", f.status());
        n.put("additions", f.additions());
        n.put("deletions", f.deletions());
        n.put("changes", f.additions() + f.deletions());
        n.put("blob_url", l.dav(path, false, at));
        n.put("raw_url", l.dav(path, false, at));
        n.put("contents_url", l.contents(path, at.name()));
        if (f.patch() != null) {
            n.put("patch", f.patch());
        }
        if (f.previousPath() != null) {
            n.put("previous_filename", f.previousPath());
        }
        return n;
    }

    /** {@code files} and {@code stats} of a single commit. */
    static void addFiles(ObjectNode commit, Links l, List<FileChange> files, ObjectId at) throws dev.davit.storage.InvalidPathException {
        int additions = 0;
        int deletions = 0;
        ArrayNode arr = Json.array();
        for (FileChange f : files) {
            additions += f.additions();
            deletions += f.deletions();
            arr.add(fileChange(l, f, at));
        }
        commit.set("stats", Json.object().put("total", additions + deletions).put("additions", additions).put("deletions", deletions));
        commit.set("files", arr);
    }

    private static ArrayNode parents(Links l, List<ObjectId> parents) {
        ArrayNode arr = Json.array();
        for (ObjectId p : parents) {
            arr.addObject().put("sha", p.name()).put("url", l.commit(p)).put("html_url", l.commit(p));
        }
        return arr;
    }

    private static ObjectNode person(Person p) {
        // GitHub writes dates as ISO 8601 in UTC with seconds (2011-04-14T16:00:49Z); git stores whole seconds.
        return Json.object().put("name", p.name()).put("email", p.email()).put("date", p.when().toString());
    }

    private static ObjectNode unverified() {
        ObjectNode v = Json.object();
        v.put("verified", false);
        v.put("reason", "unsigned");
        v.putNull("signature");
        v.putNull("payload");
        v.putNull("verified_at");
        return v;
    }
}
