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

    /** This answer as bytes (cluster mode keeps the answer of a keyed write that made no commit in its log). */
    byte[] toBytes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(body.length + 256);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeShort(status);
            out.writeUTF(contentType);
            out.writeInt(body.length);
            out.write(body);
            out.writeUTF(etag == null ? "" : etag);
            out.writeUTF(revision == null ? "" : revision.name());
            out.writeShort(headers.size());
            for (Map.Entry<String, String> h : headers.entrySet()) {
                out.writeUTF(h.getKey());
                out.writeUTF(h.getValue());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /** An answer {@link #toBytes} made. */
    static Reply fromBytes(byte[] data) throws java.io.IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(data))) {
            int status = in.readUnsignedShort();
            String contentType = in.readUTF();
            int n = in.readInt();
            if (n < 0 || n > in.available()) {
                throw new java.io.IOException("a kept answer with a body of " + n + " bytes");
            }
            byte[] body = new byte[n];
            in.readFully(body);
            String etag = in.readUTF();
            String revision = in.readUTF();
            int count = in.readUnsignedShort();
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                headers.put(in.readUTF(), in.readUTF());
            }
            return new Reply(status, contentType, body, etag.isEmpty() ? null : etag,
                    revision.isEmpty() ? null : ObjectId.fromString(revision), headers);
        }
    }
}
