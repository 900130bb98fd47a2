package dev.davit.dav;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.auth.Principal;
import dev.davit.lock.Lock;
import dev.davit.metrics.Metrics;
import dev.davit.storage.AlreadyExistsException;
import dev.davit.storage.GitRepository;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.MissingParentException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.StaleException;

/**
 * The one place where the WebDAV front end turns a failure into a status and a body. Every conflict
 * answer says what collided and carries the current version ({@code ETag} when the resource exists,
 * {@code X-Revision} always), as XML {@code DAV:error} by default or JSON when the client asks for it.
 */
final class DavErrors {
    static final String DAVIT_NS = "urn:davit:error";
    private static final Logger LOG = LoggerFactory.getLogger(DavErrors.class);

    private DavErrors() {
    }

    /** What the body says: the case, the message and the versions involved. */
    private record Problem(int status, String errorCase, String precondition, String message, String path,
                           ObjectId current, String yours, String missing, Lock lock, String lockRoot) {
        Problem(int status, String errorCase, String precondition, String message, String path, ObjectId current,
                String yours, String missing) {
            this(status, errorCase, precondition, message, path, current, yours, missing, null, null);
        }
    }

    static void respond(HttpServletRequest req, HttpServletResponse resp, GitRepository repo, DavSettings settings, Throwable t) {
        if (t instanceof IOException && resp.isCommitted()) {
            // The client went away while a body was streaming (a closed connection, a cancelled
            // download): nothing failed on our side and there is nobody left to answer.
            LOG.debug("{} {}: client gone while streaming", req.getMethod(), req.getRequestURI(), t);
            return;
        }
        Problem p = classify(t, settings);
        if (p.status() == 500 && !(t instanceof DavProblem)) {
            LOG.error("{} {} failed", req.getMethod(), req.getRequestURI(), t);
        }
        if (p.status() == 409 || p.status() == 412 || p.status() == 423) {
            req.setAttribute(Metrics.CONFLICT_ATTRIBUTE, p.errorCase());
            LOG.info("conflict case={} path={} current={} yours={} user={}", p.errorCase(),
                    p.path() != null ? p.path() : req.getRequestURI(),
                    p.current() == null ? null : p.current().name(), p.yours(),
                    req.getAttribute(Principal.REQUEST_ATTRIBUTE) instanceof Principal u ? u.name() : null);
        }
        if (resp.isCommitted()) {
            return; // A streamed body was under way; all we can do is stop.
        }
        resp.reset();
        resp.setStatus(p.status());
        UnreadBody.discardOrClose(req, resp);
        String revision = null;
        if (repo != null) {
            try {
                ObjectId head = repo.headId();
                if (head != null) {
                    revision = head.name();
                    resp.setHeader(DavExchange.REVISION_HEADER, revision);
                }
            } catch (IOException e) {
                LOG.warn("reading the head for an error response failed", e);
            }
        }
        if (p.current() != null) {
            resp.setHeader("ETag", ETags.of(p.current()));
        }
        if (p.status() == 405) {
            resp.setHeader("Allow", DavMethods.ALLOW);
        }
        if (p.status() == 503) {
            resp.setHeader("Retry-After", Integer.toString(dev.davit.storage.NotCommittedException.RETRY_AFTER_SECONDS));
        }
        if ("HEAD".equals(req.getMethod())) {
            return;
        }
        boolean json = wantsJson(req);
        String body = json ? json(p, revision) : xml(p, revision);
        resp.setContentType(json ? "application/json; charset=utf-8" : "application/xml; charset=utf-8");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(bytes.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(bytes);
        } catch (IOException e) {
            LOG.debug("client went away while receiving an error", e);
        }
    }

    private static Problem classify(Throwable t, DavSettings settings) {
        if (t instanceof LockedProblem l) {
            return new Problem(settings.lockStatus(), "locked", l.precondition(), l.getMessage(), null, l.current(), null, null,
                    l.lock(), l.rootHref());
        }
        if (t instanceof DavProblem d) {
            return new Problem(d.status(), d.errorCase(), d.precondition(), d.getMessage(), null, d.current(), null, null);
        }
        if (t instanceof StaleException s) {
            return new Problem(settings.staleStatus(), "stale", null, s.getMessage(), s.path().toString(), s.current(), s.yours(), null);
        }
        if (t instanceof MissingParentException m) {
            return new Problem(409, m.blockerIsFile() ? "parent-not-collection" : "missing-parent", null, m.getMessage(),
                    m.path().toString(), null, null, m.blocker().toString());
        }
        if (t instanceof NotFoundException n) {
            return new Problem(404, "not-found", null, n.getMessage(), null, null, null, null);
        }
        if (t instanceof AlreadyExistsException a) {
            return new Problem(405, "exists", null, a.getMessage(), a.path().toString(), null, null, null);
        }
        if (t instanceof InvalidPathException i) {
            return i.reason() == InvalidPathException.Reason.FORBIDDEN
                    ? new Problem(403, "forbidden-path", null, i.getMessage(), null, null, null, null)
                    : new Problem(400, "bad-path", null, i.getMessage(), null, null, null, null);
        }
        if (t instanceof dev.davit.storage.QuotaExceededException q) {
            // RFC 4331 §6: the repository's limit (limits.repository.bytes), not the disk, is what is full.
            return new Problem(507, "quota-not-exceeded", "quota-not-exceeded", q.getMessage(), null, null, null, null);
        }
        if (t instanceof dev.davit.storage.NotCommittedException n) {
            // Cluster mode: not on a majority of the nodes (RFC 9110 §15.6.4); the client tries again in a moment.
            return new Problem(503, "not-committed", null, n.getMessage() + "; try again (with the same If-Match, a write"
                    + " that was committed after all answers 409)", null, null, null, null);
        }
        if (t instanceof dev.davit.storage.WriteTooLargeException w) {
            // RFC 9110 §15.5.14: this write is over what one commit takes here (cluster mode), however much room
            // the disk has; the message names the limit.
            return new Problem(413, "too-large", null, w.getMessage() + "; nothing of this write was kept", null, null, null, null);
        }
        if (t instanceof dev.davit.storage.disk.NoSpaceException n) {
            // RFC 4918 §11.5: the server is unable to store what is needed to complete the request.
            return new Problem(507, "insufficient-storage", null,
                    "the disk is full: nothing of this write was kept; reads still work, and writes work again once space is freed",
                    null, null, null, null);
        }
        return new Problem(500, "internal", null, "internal error", null, null, null, null);
    }

    private static String scope(Lock l) {
        return l.scope() == Lock.Scope.EXCLUSIVE ? "exclusive" : "shared";
    }

    private static boolean wantsJson(HttpServletRequest req) {
        String accept = req.getHeader("Accept");
        return accept != null && accept.contains("application/json");
    }

    private static String xml(Problem p, String revision) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\" xmlns:v=\"")
                .append(DAVIT_NS).append("\">\n");
        if (p.precondition() != null && p.lockRoot() != null) {
            sb.append("  <D:").append(p.precondition()).append("><D:href>").append(Xml.text(p.lockRoot()))
                    .append("</D:href></D:").append(p.precondition()).append(">\n");
        } else if (p.precondition() != null) {
            sb.append("  <D:").append(p.precondition()).append("/>\n");
        }
        sb.append("  <v:").append(p.errorCase()).append("/>\n");
        sb.append("  <v:message>").append(Xml.text(p.message())).append("</v:message>\n");
        if (p.path() != null) {
            sb.append("  <v:path>").append(Xml.text(p.path())).append("</v:path>\n");
        }
        if (p.current() != null || revision != null) {
            sb.append("  <v:current>");
            if (p.current() != null) {
                sb.append("<v:etag>").append(Xml.text(ETags.of(p.current()))).append("</v:etag>");
            }
            if (revision != null) {
                sb.append("<v:revision>").append(revision).append("</v:revision>");
            }
            sb.append("</v:current>\n");
        }
        if (p.yours() != null) {
            sb.append("  <v:yours><v:etag>").append(Xml.text(p.yours())).append("</v:etag></v:yours>\n");
        }
        if (p.missing() != null) {
            sb.append("  <v:missing>").append(Xml.text(p.missing())).append("</v:missing>\n");
        }
        if (p.lock() != null) {
            Lock l = p.lock();
            sb.append("  <v:lock><v:owner>").append(l.ownerXml()).append("</v:owner><v:principal>").append(Xml.text(l.principal()))
                    .append("</v:principal><v:scope>").append(scope(l)).append("</v:scope><v:depth>")
                    .append(l.infinite() ? "infinity" : "0").append("</v:depth><v:root>").append(Xml.text(p.lockRoot()))
                    .append("</v:root><v:expires>").append(l.expires()).append("</v:expires></v:lock>\n");
        }
        return sb.append("</D:error>\n").toString();
    }

    private static String json(Problem p, String revision) {
        StringBuilder sb = new StringBuilder("{\"error\":").append(Json.string(p.errorCase()))
                .append(",\"message\":").append(Json.string(p.message()))
                .append(",\"path\":").append(Json.string(p.path()))
                .append(",\"current\":");
        if (p.current() == null && revision == null) {
            sb.append("null");
        } else {
            sb.append("{\"etag\":").append(Json.string(p.current() == null ? null : ETags.of(p.current())))
                    .append(",\"revision\":").append(Json.string(revision)).append('}');
        }
        sb.append(",\"yours\":").append(p.yours() == null ? "null" : "{\"etag\":" + Json.string(p.yours()) + "}");
        sb.append(",\"lock\":");
        if (p.lock() == null) {
            sb.append("null");
        } else {
            Lock l = p.lock();
            // Never the token: it is the other client's credential for this lock.
            sb.append("{\"owner\":").append(Json.string(l.ownerXml())).append(",\"principal\":").append(Json.string(l.principal()))
                    .append(",\"scope\":").append(Json.string(scope(l))).append(",\"depth\":")
                    .append(Json.string(l.infinite() ? "infinity" : "0")).append(",\"root\":").append(Json.string(p.lockRoot()))
                    .append(",\"expires\":").append(Json.string(l.expires().toString())).append('}');
        }
        sb.append(",\"missing\":").append(Json.string(p.missing()));
        return sb.append("}\n").toString();
    }
}
