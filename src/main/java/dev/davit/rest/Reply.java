package dev.davit.rest;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A finished answer, as a value: routes return it, {@link RestServlet} writes it, and the
 * {@link IdempotencyStore} keeps it to replay. Headers beyond the ones named here go in {@code headers}.
 *
 * @param etag     the entity tag (quoted, maybe weak); null lets the servlet derive a weak one from the body
 * @param revision the commit to announce in {@code X-Revision}; null means the branch head at answer time
 */
record Reply(int status, String contentType, byte[] body, String etag, ObjectId revision, Map<String, String> headers) {
    static final String JSON = "application/json; charset=utf-8";

    Reply {
        headers = Map.copyOf(headers);
    }

    static Reply json(int status, Object node) {
        return new Reply(status, JSON, Json.bytes(node), null, null, Map.of());
    }

    Reply withEtag(ObjectId id) {
        return new Reply(status, contentType, body, id == null ? null : "\"" + id.name() + "\"", revision, headers);
    }

    Reply withRevision(ObjectId commit) {
        return new Reply(status, contentType, body, etag, commit, headers);
    }

    Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, contentType, body, etag, revision, h);
    }
}
