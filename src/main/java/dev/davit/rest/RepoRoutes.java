package dev.davit.rest;

import dev.davit.storage.history.History;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.auth.Access;
import dev.davit.auth.UserStore;
import dev.davit.storage.history.Branch;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;

/** {@code GET /repos/{o}/{r}} and {@code GET /repos/{o}/{r}/branches[/{branch}]}. */
final class RepoRoutes {
    private RepoRoutes() {
    }

    static Reply repository(ApiCall call, UserStore users) throws IOException {
        String owner = call.route.owner();
        String name = call.route.repo();
        ObjectNode n = Json.object();
        // GitHub's ids are numbers; Davit has none, so a stable one is derived from the full name.
        CRC32 crc = new CRC32();
        crc.update((owner + "/" + name).getBytes(StandardCharsets.UTF_8));
        n.put("id", crc.getValue());
        n.put("name", name);
        n.put("full_name", owner + "/" + name);
        n.set("owner", Json.object().put("login", owner).put("type", "User"));
        n.put("private", true);
        n.put("visibility", "private");
        n.put("html_url", call.links.html());
        n.putNull("description");
        n.put("fork", false);
        n.put("url", call.links.api());
        n.put("default_branch", GitRepository.BRANCH.substring("refs/heads/".length()));
        boolean push = users.allows(call.user, owner, name, Access.WRITE);
        n.set("permissions", Json.object().put("admin", false).put("maintain", false).put("push", push)
                .put("triage", push).put("pull", true));
        return Reply.json(200, n);
    }

    static Reply branches(ApiCall call) throws IOException {
        ArrayNode arr = Json.array();
        for (Branch b : History.of(call.repository).branches()) {
            arr.add(branch(call, b));
        }
        return Reply.json(200, arr);
    }

    static Reply branch(ApiCall call, String name) throws IOException, NotFoundException {
        for (Branch b : History.of(call.repository).branches()) {
            if (b.name().equals(name)) {
                return Reply.json(200, branch(call, b)).withEtag(b.head());
            }
        }
        throw new NotFoundException(RepoPath.ROOT, "no branch " + name);
    }

    private static ObjectNode branch(ApiCall call, Branch b) {
        ObjectNode n = Json.object();
        n.put("name", b.name());
        n.set("commit", Json.object().put("sha", b.head().name()).put("url", call.links.commit(b.head())));
        n.put("protected", false);
        return n;
    }
}
