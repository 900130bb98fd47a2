package dev.davit.rest;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.history.CommitPage;
import dev.davit.storage.history.Comparison;
import dev.davit.storage.GitRepository;
import dev.davit.storage.history.History;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.StorageException;

/** {@code GET commits}, {@code GET commits/{ref}} and {@code GET compare/{base}...{head}}. */
final class CommitRoutes {
    /** GitHub's defaults: 30 per page, at most 100. */
    static final int DEFAULT_PER_PAGE = 30;
    static final int MAX_PER_PAGE = 100;

    private CommitRoutes() {
    }

    /**
     * The history from {@code sha} (a commit or branch; default the default branch), only the commits that
     * changed {@code path} when given, paged by {@code per_page}/{@code page} with a {@code Link} header
     * (RFC 8288) as GitHub sends it: {@code next} and {@code last} while more follow, {@code prev} and
     * {@code first} after the first page. ({@code last} comes from {@link CommitCounts}, not a walk per request.)
     */
    static Reply list(ApiCall call) throws IOException, StorageException {
        History h = History.of(call.repository);
        String sha = call.query("sha");
        ObjectId start;
        try {
            start = h.resolve(sha == null ? GitRepository.BRANCH : sha);
        } catch (NotFoundException e) {
            // GitHub: 404 {"message": "No commit found for SHA: x"}
            throw new RestProblem(404, "No commit found for SHA: " + sha);
        }
        String rawPath = call.query("path");
        RepoPath path = rawPath == null ? RepoPath.ROOT : RepoPath.parse(rawPath);
        int perPage = clamp(number(call.query("per_page"), DEFAULT_PER_PAGE), 1, MAX_PER_PAGE);
        int page = Math.max(1, number(call.query("page"), 1));
        CommitPage p = h.log(start, path, (page - 1) * perPage, perPage);
        ArrayNode arr = Json.array();
        for (CommitInfo c : p.commits()) {
            arr.add(Shapes.restCommit(call.links, c));
        }
        Reply reply = Reply.json(200, arr);
        List<String> links = new ArrayList<>();
        if (p.more()) {
            // rel="last" as GitHub sends it on every page but the last: clients compute totals from it
            // (PyGithub's totalCount) and read lists backwards (its reversed). The count is remembered per head.
            long total = call.commitCounts.count(call.repository, start, path);
            long last = Math.max(page + 1, (total + perPage - 1) / perPage);
            links.add("<" + pageUrl(call, page + 1, perPage) + ">; rel=\"next\"");
            links.add("<" + pageUrl(call, last, perPage) + ">; rel=\"last\"");
        }
        if (page > 1) {
            links.add("<" + pageUrl(call, page - 1, perPage) + ">; rel=\"prev\"");
            links.add("<" + pageUrl(call, 1, perPage) + ">; rel=\"first\"");
        }
        return links.isEmpty() ? reply : reply.withHeader("Link", String.join(", ", links));
    }

    static Reply one(ApiCall call, String ref) throws IOException, StorageException {
        History h = History.of(call.repository);
        CommitInfo c;
        try {
            c = h.commit(ref);
        } catch (NotFoundException e) {
            // GitHub: 422 "No commit found for SHA: x" for an unknown ref here; Davit keeps 404 for every unknown ref.
            throw new RestProblem(404, "No commit found for SHA: " + ref);
        }
        ObjectNode n = Shapes.restCommit(call.links, c);
        Shapes.addFiles(n, call.links, h.changes(c.parents().isEmpty() ? null : c.parents().get(0), c.id()), c.id());
        return Reply.json(200, n).withEtag(c.id());
    }

    /** {@code base...head} (three dots, GitHub's form): the diff from the merge base to head. */
    static Reply compare(ApiCall call, String spec) throws IOException, StorageException {
        int dots = spec.indexOf("...");
        if (dots <= 0 || dots + 3 >= spec.length()) {
            throw RestProblem.notFound();
        }
        String base = spec.substring(0, dots);
        String head = spec.substring(dots + 3);
        Comparison c = History.of(call.repository).compare(base, head);
        if (c.mergeBase() == null) {
            throw new RestProblem(404, "No common ancestor between " + base + " and " + head + ".");
        }
        ObjectNode n = Json.object();
        String url = call.links.api() + "/compare/" + Links.enc(base) + "..." + Links.enc(head);
        n.put("url", url);
        n.put("html_url", url);
        n.put("permalink_url", call.links.api() + "/compare/" + c.base().id().name() + "..." + c.head().id().name());
        n.put("diff_url", url);
        n.put("patch_url", url);
        n.set("base_commit", Shapes.restCommit(call.links, c.base()));
        n.set("merge_base_commit", Shapes.restCommit(call.links, c.mergeBase()));
        n.put("status", c.status());
        n.put("ahead_by", c.ahead().size());
        n.put("behind_by", c.behindBy());
        n.put("total_commits", c.ahead().size());
        ArrayNode commits = n.putArray("commits");
        for (CommitInfo ci : c.ahead()) {
            commits.add(Shapes.restCommit(call.links, ci));
        }
        ObjectNode files = Json.object();
        Shapes.addFiles(files, call.links, c.files(), c.head().id());
        n.set("files", files.get("files"));
        return Reply.json(200, n);
    }

    private static String pageUrl(ApiCall call, long page, int perPage) {
        Map<String, String> q = new LinkedHashMap<>(call.queryParameters());
        q.put("per_page", Integer.toString(perPage));
        q.put("page", Long.toString(page));
        StringBuilder sb = new StringBuilder(call.links.api()).append("/commits");
        char sep = '?';
        for (Map.Entry<String, String> e : q.entrySet()) {
            sb.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return sb.toString();
    }

    private static int number(String s, int dflt) {
        if (s == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
