package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A request refused before its body was read (a PUT with {@code ?rev=}, a write without the right) must not
 * leave that body on a connection that stays open: when the rest of the body had not arrived yet as the
 * answer went out, Jetty closed the connection after the answer, while the client, told nothing, sent its
 * next request on it and got no answer at all ("header parser received no bytes" in EtagAndRevisionTest).
 * So a small remaining body is read and dropped before the answer; a large or chunked one gets
 * {@code Connection: close}, so the client knows (RFC 9112 §9.6).
 */
final class UnreadBody {
    /** Bodies up to this size are read and dropped; larger ones are not worth the transfer. */
    static final long MAX_DISCARD = 64 * 1024;

    private UnreadBody() {
    }

    /** Call before an error answer is committed. */
    static void discardOrClose(HttpServletRequest req, HttpServletResponse resp) {
        long declared = req.getContentLengthLong();
        boolean chunked = declared < 0 && req.getHeader("Transfer-Encoding") != null;
        if (declared == 0 || declared < 0 && !chunked) {
            return;
        }
        if (chunked || declared > MAX_DISCARD) {
            resp.setHeader("Connection", "close");
            return;
        }
        try {
            InputStream in = req.getInputStream();
            in.skipNBytes(declared); // EOF when (part of) it was read already: then nothing is left, which is fine
        } catch (IOException | IllegalStateException e) {
            // Read already (the body was consumed, or taken as a reader) or the client is gone: close to be sure.
            if (!(e instanceof java.io.EOFException)) {
                resp.setHeader("Connection", "close");
            }
        }
    }
}
