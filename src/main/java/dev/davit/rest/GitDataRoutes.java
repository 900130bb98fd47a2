package dev.davit.rest;

import dev.davit.storage.history.History;
import dev.davit.storage.history.GitObjects;

import java.io.IOException;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.storage.history.Blob;
import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.StorageException;
import dev.davit.storage.history.TreeItem;
import dev.davit.storage.history.TreeListing;

/** GitHub's Git database API, read side: {@code git/blobs/{sha}}, {@code git/trees/{sha}}, {@code git/commits/{sha}}. */
final class GitDataRoutes {
    private GitDataRoutes() {
    }

    static Reply blob(ApiCall call, String sha) throws IOException, StorageException {
        Blob b = GitObjects.of(call.repository).blob(sha);
        if (MediaTypes.wantsRaw(call.request.getHeader("Accept"))) {
            return new Reply(200, MediaTypes.rawType(b.bytes()), b.bytes(), null, null, java.util.Map.of()).withEtag(b.id());
        }
        ObjectNode n = Json.object();
        n.put("sha", b.id().name());
        n.put("size", b.bytes().length);
        n.put("url", call.links.blob(b.id()));
        n.put("content", Json.base64(b.bytes()));
        n.put("encoding", "base64");
        return Reply.json(200, n).withEtag(b.id());
    }

    /** {@code ?recursive=1} (any value but 0/false, as GitHub reads it) lists the whole tree below. */
    static Reply tree(ApiCall call, String sha) throws IOException, StorageException {
        String rec = call.query("recursive");
        boolean recursive = rec != null && !rec.equals("0") && !rec.equalsIgnoreCase("false");
        TreeListing t = GitObjects.of(call.repository).tree(sha, recursive);
        ObjectNode n = Json.object();
        n.put("sha", t.id().name());
        n.put("url", call.links.tree(t.id()));
        ArrayNode items = n.putArray("tree");
        for (TreeItem i : t.items()) {
            ObjectNode item = items.addObject();
            item.put("path", i.path());
            item.put("mode", i.mode());
            item.put("type", i.type());
            item.put("sha", i.id().name());
            if (i.type().equals("blob")) {
                item.put("size", i.size());
                item.put("url", call.links.blob(i.id()));
            } else if (i.type().equals("tree")) {
                item.put("url", call.links.tree(i.id()));
            }
        }
        n.put("truncated", t.truncated());
        return Reply.json(200, n).withEtag(t.id());
    }

    static Reply commit(ApiCall call, String sha) throws IOException, StorageException {
        if (!sha.matches("[0-9a-fA-F]{40}")) {
            throw RestProblem.notFound();
        }
        CommitInfo c = History.of(call.repository).commit(sha);
        return Reply.json(200, Shapes.gitCommit(call.links, c)).withEtag(c.id());
    }
}
