package dev.davit.rest;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.lock.LockStore;
import dev.davit.metrics.Metrics;
import dev.davit.storage.GitRepository;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;

/**
 * {@code /api/*} (and {@code /api/v3/*}, GitHub Enterprise's layout): the GitHub-compatible REST API
 * (Octokit's {@code baseUrl} is {@code http://host:port/api}).
 * Resolves the repository, checks the user's right (a repository you may not read does not exist for you:
 * 404, as on GitHub; a write without write access: 403), routes, and writes the {@link Reply} with
 * {@code X-Revision} and an {@code ETag} on every answer under a repository, errors included.
 * Authentication happened before (the server's filter leaves a {@link Principal} on the request).
 */
public final class RestServlet extends HttpServlet {
    private static final Set<String> WRITES = Set.of("PUT", "DELETE", "POST", "PATCH");

    private final transient Repositories repositories;
    private final transient UserStore users;
    private final transient Clock clock = Clock.systemUTC();
    private final transient IdempotencyStore idempotency = new IdempotencyStore(clock);
    /** Cluster mode's keys, kept by the replicated log (a single node keeps them in {@link #idempotency}). */
    private final transient ReplicatedIdempotency replicatedIdempotency;
    private final transient CommitCounts commitCounts = new CommitCounts();

    private final transient LockStore locks;

    public RestServlet(Repositories repositories, UserStore users, LockStore locks) {
        this.locks = locks;
        this.repositories = repositories;
        this.users = users;
        this.replicatedIdempotency = new ReplicatedIdempotency(repositories.keyedWrites(), clock);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String method = req.getMethod();
        GitRepository repo = null;
        Reply reply;
        try {
            Principal user = (Principal) req.getAttribute(Principal.REQUEST_ATTRIBUTE);
            Reply account = AccountRoutes.dispatch(req, user, ApiRoute.unaliased(req.getRequestURI()), clock);
            if (account != null) {
                write(req, resp, account, null);
                return;
            }
            ApiRoute route = ApiRoute.parse(req.getRequestURI());
            if (route == null || !users.allows(user, route.owner(), route.repo(), Access.READ)) {
                throw RestProblem.notFound();
            }
            repo = repositories.open(route.owner(), route.repo());
            boolean write = WRITES.contains(method);
            if (write && !users.allows(user, route.owner(), route.repo(), Access.WRITE)) {
                throw new RestProblem(403, user.name() + " may read but not write " + route.owner() + "/" + route.repo());
            }
            ApiCall call = new ApiCall(req, user, route, repo, locks, commitCounts);
            String key = req.getHeader("Idempotency-Key");
            if (write && key != null && !key.isBlank()) {
                String uri = req.getRequestURI() + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
                GitRepository r = repo;
                String scope = user.name() + "\n" + route.owner() + "/" + route.repo();
                reply = repo.replicated()
                        ? replicatedIdempotency.run(scope, key, method, uri, call.body(), repo,
                                (writeKey, replayOf) -> dispatchOrError(call.keyed(writeKey, replayOf), r))
                        : idempotency.run(scope, key, method, uri, call.body(), () -> dispatchOrError(call, r));
            } else {
                reply = dispatch(call);
            }
        } catch (Exception e) {
            reply = RestErrors.reply(e, repo, method);
        }
        if (reply.status() == 409 || reply.status() == 412 || reply.status() == 423) {
            req.setAttribute(Metrics.CONFLICT_ATTRIBUTE, conflictCase(reply));
        }
        write(req, resp, reply, repo);
    }

    /** The {@code error} case of a conflict body (stale, locked, merge-conflict, ...), for the metrics. */
    private static String conflictCase(Reply reply) {
        try {
            return Json.MAPPER.readTree(reply.body()).path("error").asText("conflict");
        } catch (IOException | RuntimeException e) {
            return "conflict";
        }
    }

    private Reply dispatchOrError(ApiCall call, GitRepository repo) {
        try {
            return dispatch(call);
        } catch (Exception e) {
            return RestErrors.reply(e, repo, call.method());
        }
    }

    /** The route table; anything else is 404, as GitHub answers unknown routes. */
    private Reply dispatch(ApiCall call) throws Exception {
        List<String> r = call.route.rest();
        String m = call.method();
        boolean get = m.equals("GET") || m.equals("HEAD");
        String first = r.isEmpty() ? "" : r.get(0);
        switch (first) {
            case "" -> {
                if (get) {
                    return RepoRoutes.repository(call, users);
                }
            }
            case "contents" -> {
                // Octokit (and GitHub's own URL templates) send the path as one parameter, its slashes
                // encoded as %2F; GitHub reads them as separators, so Davit does too. Every name is still
                // validated (.., backslashes, control characters, .git and hidden names are refused).
                RepoPath path = RepoPath.parse(call.route.tail(1));
                if (get) {
                    return ContentsRoutes.get(call, path);
                }
                if (m.equals("PUT")) {
                    return ContentsRoutes.put(call, path);
                }
                if (m.equals("DELETE")) {
                    return ContentsRoutes.delete(call, path);
                }
                if (m.equals("POST") && path.isRoot()) {
                    return BatchRoute.post(call);
                }
            }
            case "git" -> {
                if (get && r.size() == 2 && r.get(1).equals("matching-refs")) {
                    return RefRoutes.matching(call, ""); // every ref
                }
                if (get && r.size() >= 3) {
                    switch (r.get(1)) {
                        case "blobs" -> {
                            return GitDataRoutes.blob(call, call.route.tail(2));
                        }
                        case "trees" -> {
                            return GitDataRoutes.tree(call, call.route.tail(2));
                        }
                        case "commits" -> {
                            return GitDataRoutes.commit(call, call.route.tail(2));
                        }
                        case "ref", "refs" -> {
                            return RefRoutes.ref(call, call.route.tail(2));
                        }
                        case "matching-refs" -> {
                            return RefRoutes.matching(call, call.route.tail(2));
                        }
                        default -> {
                        }
                    }
                }
            }
            case "commits" -> {
                if (get) {
                    return r.size() == 1 ? CommitRoutes.list(call) : CommitRoutes.one(call, call.route.tail(1));
                }
            }
            case "compare" -> {
                if (get && r.size() >= 2) {
                    return CommitRoutes.compare(call, call.route.tail(1));
                }
            }
            case "readme" -> {
                if (get && r.size() == 1) {
                    return ContentsRoutes.readme(call);
                }
            }
            case "tags" -> {
                if (get && r.size() == 1) {
                    return RefRoutes.tags(call);
                }
            }
            case "branches" -> {
                if (get) {
                    return r.size() == 1 ? RepoRoutes.branches(call) : RepoRoutes.branch(call, call.route.tail(1));
                }
            }
            default -> {
            }
        }
        throw RestProblem.notFound();
    }

    private static void write(HttpServletRequest req, HttpServletResponse resp, Reply reply, GitRepository repo) throws IOException {
        resp.setStatus(reply.status());
        reply.headers().forEach(resp::setHeader);
        if (repo != null) {
            ObjectId revision = reply.revision() != null ? reply.revision() : repo.headId();
            if (revision != null) {
                resp.setHeader("X-Revision", revision.name());
            }
        }
        // A strong ETag is the git object the answer shows; anything else (lists, errors) gets a weak one over
        // the body, as GitHub's are: equal bodies, equal tags (RFC 9110 §8.8.1).
        String etag = reply.etag() != null ? reply.etag() : "W/\"" + sha1(reply.body()) + "\"";
        resp.setHeader("ETag", etag);
        boolean get = req.getMethod().equals("GET") || req.getMethod().equals("HEAD");
        if (get && reply.status() == 200 && matches(req.getHeader("If-None-Match"), etag)) {
            resp.setStatus(304); // RFC 9110 §13.1.2: a GET whose tag still matches gets no body
            return;
        }
        resp.setContentType(reply.contentType());
        resp.setContentLength(reply.body().length);
        if (!req.getMethod().equals("HEAD")) {
            resp.getOutputStream().write(reply.body());
        }
    }

    /** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored. */
    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        String tag = etag.startsWith("W/") ? etag.substring(2) : etag;
        for (String t : ifNoneMatch.split(",")) {
            String c = t.trim();
            c = c.startsWith("W/") ? c.substring(2) : c;
            if (c.equals("*") || c.equals(tag)) {
                return true;
            }
        }
        return false;
    }

    private static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
