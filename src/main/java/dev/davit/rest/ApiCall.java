package dev.davit.rest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.auth.Principal;
import dev.davit.lock.LockStore;
import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.Mutation;
import dev.davit.storage.StorageException;
import dev.davit.storage.WriteKey;
import dev.davit.storage.WriteResult;

/** One request under a repository, as the routes see it: who, which repository, the route, query and body. */
final class ApiCall {
    /**
     * Largest JSON body read: GitHub's contents API takes files up to 100 MB, but a base64 body is held
     * in memory here, so Davit stops at 64 MiB (413) and large files go through WebDAV, which streams.
     */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    final HttpServletRequest request;
    final Principal user;
    final ApiRoute route;
    final GitRepository repository;
    final Links links;
    /** Replaced by {@link #keyed} when a commit is rebuilt: its locks were checked when it was made. */
    RestLocks locks;
    final CommitCounts commitCounts;
    /** Cluster mode: the client's key, carried with the commit the write makes; or null. */
    private WriteKey writeKey;
    /** Cluster mode: the commit this keyed request made before, whose answer is rebuilt; or null. */
    private ObjectId replayOf;
    private final Map<String, String> query;
    private byte[] body;

    ApiCall(HttpServletRequest request, Principal user, ApiRoute route, GitRepository repository, LockStore lockStore,
            CommitCounts commitCounts) {
        this.request = request;
        this.commitCounts = commitCounts;
        this.user = user;
        this.route = route;
        this.repository = repository;
        this.links = new Links(request, route.owner(), route.repo());
        this.locks = new RestLocks(lockStore, route.owner() + "/" + route.repo(), user);
        this.query = parseQuery(request.getQueryString());
    }

    /**
     * Cluster mode's keyed request ({@link ReplicatedIdempotency}): its write goes with {@code key}, or, when
     * {@code replayOf} is given, is not made again but rebuilt from that commit (see {@link #write}).
     */
    ApiCall keyed(WriteKey key, ObjectId replayOf) {
        this.writeKey = key;
        this.replayOf = replayOf;
        if (replayOf != null) {
            this.locks = RestLocks.checkedBefore(locks);
        }
        return this;
    }

    /**
     * The route's one write: made as a commit by the options' author and committer with the options' message;
     * for a keyed request whose commit was made before, run again on the tree that commit was made on, nothing
     * written, so that the route answers as it did ({@link GitRepository#rerun}).
     */
    <T> WriteResult<T> write(WriteOptions opts, Mutation<T> mutation) throws StorageException, IOException {
        if (replayOf != null) {
            return repository.rerun(replayOf, mutation);
        }
        return repository.write(opts.author(), opts.committer(), opts.message(), writeKey, mutation);
    }

    String method() {
        return request.getMethod();
    }

    /** A query parameter, or null. Parsed by hand: getParameter() could read a form body as parameters. */
    String query(String name) {
        String v = query.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    Map<String, String> queryParameters() {
        return query;
    }

    /** The raw body bytes, read once (413 past {@link #MAX_BODY_BYTES}). */
    byte[] body() throws IOException {
        if (body == null) {
            if (request.getContentLengthLong() > MAX_BODY_BYTES) {
                throw new RestProblem(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            try (InputStream in = request.getInputStream()) {
                byte[] b = in.readNBytes(MAX_BODY_BYTES + 1);
                if (b.length > MAX_BODY_BYTES) {
                    throw new RestProblem(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
                }
                body = b;
            }
        }
        return body;
    }

    ObjectNode json() throws IOException {
        return Json.parseObject(body());
    }

    /** The committer of every write: the authenticated user. */
    Identity committer() {
        return new Identity(user.name(), user.email());
    }

    private static Map<String, String> parseQuery(String q) {
        Map<String, String> out = new LinkedHashMap<>();
        if (q == null) {
            return out;
        }
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new RestProblem(400, "malformed query string");
            }
        }
        return out;
    }
}
