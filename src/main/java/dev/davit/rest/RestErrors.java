package dev.davit.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.AlreadyExistsException;
import dev.davit.storage.GitRepository;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.MergeConflictException;
import dev.davit.storage.MergeOutcome;
import dev.davit.storage.MissingParentException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.QuotaExceededException;
import dev.davit.storage.StaleException;

/**
 * The one place where a failure becomes a status and a body. Bodies have GitHub's shape ({@code message},
 * {@code documentation_url}, {@code status} as a string, as GitHub's current API sends it) and, for the
 * conflict contract of DESIGN.md, Davit's fields: {@code error}, {@code path}, {@code current}
 * {sha, revision} and {@code yours} {sha}.
 */
final class RestErrors {
    private static final Logger LOG = Logger.getLogger(RestErrors.class.getName());

    private RestErrors() {
    }

    /**
     * @param repo   the repository the request was for, when the user may see it (for {@code current.revision})
     * @param method the request's method (DELETE points at GitHub's delete documentation)
     */
    static Reply reply(Exception e, GitRepository repo, String method) {
        String docs = "DELETE".equals(method) ? RestProblem.DOCS_DELETE : RestProblem.DOCS_PUT;
        try {
            if (e instanceof RestProblem p) {
                ObjectNode body = body(p.getMessage(), p.documentationUrl(), p.status());
                if (p.extra() != null) {
                    body.setAll(p.extra());
                }
                return Reply.json(p.status(), body);
            }
            if (e instanceof NotFoundException) {
                return Reply.json(404, body("Not Found", RestProblem.DOCS, 404));
            }
            if (e instanceof InvalidPathException ip) {
                int status = ip.reason() == InvalidPathException.Reason.FORBIDDEN ? 403 : 400;
                return Reply.json(status, body(ip.getMessage(), RestProblem.DOCS, status));
            }
            if (e instanceof StaleException s) {
                // GitHub: 409 "<path> does not match <sha>"; Davit adds what the client needs to retry.
                ObjectNode body = body(s.path() + " does not match " + s.yours(), docs, 409);
                body.put("error", "stale");
                body.put("path", s.path().toString());
                body.set("current", current(s.current(), repo));
                body.set("yours", Json.object().put("sha", s.yours()));
                return Reply.json(409, body).withEtag(s.current());
            }
            if (e instanceof MergeConflictException m) {
                return mergeConflict(m, repo, docs);
            }
            if (e instanceof MissingParentException mp) {
                ObjectNode body = body(mp.getMessage(), docs, 409);
                body.put("error", mp.blockerIsFile() ? "parent-not-collection" : "missing-parent");
                body.put("path", mp.path().toString());
                body.put("missing", mp.blocker().toString());
                return Reply.json(409, body);
            }
            if (e instanceof QuotaExceededException q) {
                // 507 as for a full disk, and as WebDAV answers the same write (RFC 4331 §6): the repository's
                // limit is full, nothing of this write was kept; freeing files in it makes room.
                ObjectNode body = body(q.getMessage() + "; nothing of this write was kept", docs, 507);
                body.put("error", "quota-exceeded");
                body.put("limit", q.maxBytes());
                body.put("would_hold", q.wouldHold());
                return Reply.json(507, body);
            }
            if (e instanceof dev.davit.storage.NotCommittedException nc) {
                // Cluster mode: not on a majority of the nodes; 503 with Retry-After (RFC 9110 §15.6.4), never a 2xx.
                ObjectNode body = body(nc.getMessage() + "; try again", docs, 503);
                body.put("error", "not-committed");
                return Reply.json(503, body).withHeader("Retry-After",
                        Integer.toString(dev.davit.storage.NotCommittedException.RETRY_AFTER_SECONDS));
            }
            if (e instanceof dev.davit.storage.WriteTooLargeException w) {
                // 413 (RFC 9110 §15.5.14), as WebDAV answers: over what one commit takes here, not a full disk.
                ObjectNode body = body(w.getMessage() + "; nothing of this write was kept", docs, 413);
                body.put("error", "too-large");
                body.put("limit", w.maxBytes());
                return Reply.json(413, body);
            }
            if (e instanceof dev.davit.storage.disk.NoSpaceException) {
                // 507 (RFC 4918 §11.5), as WebDAV answers: nothing was kept, and a retry later can succeed.
                ObjectNode body = body("the disk is full: nothing of this write was kept; retry once space is freed", docs, 507);
                body.put("error", "insufficient-storage");
                return Reply.json(507, body);
            }
            if (e instanceof AlreadyExistsException ae) {
                ObjectNode body = body(ae.getMessage(), docs, 409);
                body.put("error", "exists");
                body.put("path", ae.path().toString());
                return Reply.json(409, body);
            }
        } catch (IOException io) {
            e = io;
        }
        LOG.log(Level.WARNING, "REST request failed", e);
        return Reply.json(500, body("Server Error", RestProblem.DOCS, 500));
    }

    private static Reply mergeConflict(MergeConflictException m, GitRepository repo, String docs) throws IOException {
        MergeOutcome o = m.outcome();
        boolean binary = o.kind() == MergeOutcome.Kind.BINARY;
        ObjectNode body = body(m.getMessage(), docs, 409);
        body.put("error", binary ? "stale" : "merge-conflict");
        body.put("path", m.path().toString());
        body.put("merged", false);
        body.set("current", current(m.current(), repo));
        body.set("yours", Json.object().put("sha", m.base().name()));
        if (!binary) {
            ArrayNode conflicts = body.putArray("conflicts");
            for (MergeOutcome.Conflict c : o.conflicts()) {
                ObjectNode n = conflicts.addObject();
                n.set("base", hunk(c.base()));
                n.set("yours", hunk(c.yours()));
                n.set("current", hunk(c.current()));
            }
            body.put("content_with_markers", new String(o.text(), StandardCharsets.UTF_8));
        }
        return Reply.json(409, body).withEtag(m.current());
    }

    private static ObjectNode hunk(MergeOutcome.Hunk h) {
        if (h == null) {
            return null;
        }
        return Json.object().put("start_line", h.startLine()).put("line_count", h.lineCount()).put("lines", h.lines());
    }

    private static ObjectNode current(ObjectId blob, GitRepository repo) throws IOException {
        ObjectNode n = Json.object();
        n.put("sha", blob == null ? null : blob.name());
        ObjectId head = repo == null ? null : repo.headId();
        n.put("revision", head == null ? null : head.name());
        return n;
    }

    private static ObjectNode body(String message, String docs, int status) {
        return Json.object().put("message", message).put("documentation_url", docs).put("status", Integer.toString(status));
    }
}
