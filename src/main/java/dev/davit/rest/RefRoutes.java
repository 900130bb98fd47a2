package dev.davit.rest;

import dev.davit.storage.history.History;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.Constants;

import dev.davit.storage.history.NamedRef;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;

/**
 * {@code GET git/ref/{ref}} (one ref), {@code GET git/matching-refs/{prefix}} (the refs whose names start
 * with it) and {@code GET tags}, in GitHub's shapes. Clients read the head of a branch this way before
 * anything else ({@code git/ref/heads/main}).
 */
final class RefRoutes {
    private RefRoutes() {
    }

    /** {@code heads/main} names {@code refs/heads/main} exactly; a prefix or a missing ref is 404. */
    static Reply ref(ApiCall call, String name) throws IOException, NotFoundException {
        String full = Constants.R_REFS + name;
        for (NamedRef r : History.of(call.repository).refs(full)) {
            if (r.name().equals(full)) {
                return Reply.json(200, shape(call, r)).withEtag(r.target());
            }
        }
        throw new NotFoundException(RepoPath.ROOT, "no ref " + full);
    }

    /** Every ref whose name starts with {@code refs/} + {@code prefix} (GitHub: an empty list when none). */
    static Reply matching(ApiCall call, String prefix) throws IOException {
        ArrayNode arr = Json.array();
        for (NamedRef r : History.of(call.repository).refs(Constants.R_REFS + prefix)) {
            arr.add(shape(call, r));
        }
        return Reply.json(200, arr);
    }

    static Reply tags(ApiCall call) throws IOException {
        List<NamedRef> tags = History.of(call.repository).refs(Constants.R_TAGS);
        ArrayNode arr = Json.array();
        for (NamedRef t : tags) {
            String name = t.name().substring(Constants.R_TAGS.length());
            ObjectNode n = arr.addObject();
            n.put("name", name);
            n.set("commit", Json.object().put("sha", t.commit().name()).put("url", call.links.commit(t.commit())));
            n.put("zipball_url", call.links.api() + "/zipball/refs/tags/" + Links.enc(name));
            n.put("tarball_url", call.links.api() + "/tarball/refs/tags/" + Links.enc(name));
            n.put("node_id", "REF_" + t.target().name());
        }
        return Reply.json(200, arr);
    }

    private static ObjectNode shape(ApiCall call, NamedRef r) {
        ObjectNode n = Json.object();
        n.put("ref", r.name());
        n.put("node_id", "REF_" + r.target().name());
        StringBuilder url = new StringBuilder(call.links.api()).append("/git");
        for (String seg : r.name().split("/")) {
            url.append('/').append(Links.enc(seg));
        }
        n.put("url", url.toString());
        String type = r.annotatedTag() ? "tag" : "commit";
        String objectUrl = r.annotatedTag() ? call.links.api() + "/git/tags/" + r.target().name() : call.links.gitCommit(r.target());
        n.set("object", Json.object().put("sha", r.target().name()).put("type", type).put("url", objectUrl));
        return n;
    }
}
