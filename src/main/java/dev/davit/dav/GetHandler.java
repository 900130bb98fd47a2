package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.davit.storage.Entry;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;
import dev.davit.storage.Timestamps;

/**
 * GET and HEAD: a file's bytes (streamed from the object store, with single byte ranges, RFC 9110 §14),
 * or a plain HTML listing of a folder. {@code ?rev=<commit>} reads any past state.
 */
final class GetHandler extends DavMethod {
    GetHandler() {
        super("GET", "HEAD");
    }

    @Override
    void handle(DavExchange x) throws Exception {
        String rev = x.rev();
        try (Snapshot s = rev == null ? x.repository.head() : x.repository.at(rev)) {
            if (rev == null) {
                Optional<SideFiles.SideFile> side = SideFileRequests.find(x, s, x.path());
                if (side.isPresent()) {
                    SideFiles.SideFile f = side.get();
                    Entry e = SideFileRequests.entry(f);
                    x.response.setHeader("ETag", ETags.of(e));
                    x.response.setDateHeader("Last-Modified", f.modified().toEpochMilli());
                    if (notModified(x, e, new Timestamps(f.modified(), f.modified()))) {
                        x.response.setStatus(304);
                        return;
                    }
                    file(x, e, f.size(), () -> x.repository.sideFiles().open(f.path()));
                    return;
                }
                if (SideFileRequests.hidden(x, x.path())) {
                    throw new NotFoundException(x.path(), "/" + x.path() + " does not exist");
                }
            }
            Entry e = s.lookup(x.path()).orElseThrow(() -> new NotFoundException(x.path(),
                    "/" + x.path() + " does not exist" + (rev == null ? "" : " at " + rev)));
            HttpServletResponse resp = x.response;
            resp.setHeader("ETag", ETags.of(e));
            java.time.Instant modified = LiveProperties.modified(e, LiveProperties.of(s, e), x);
            resp.setDateHeader("Last-Modified", modified.toEpochMilli());
            if (notModified(x, e, new Timestamps(modified, modified))) {
                resp.setStatus(304);
                return;
            }
            if (e.isFolder()) {
                listing(x, s, e);
            } else {
                long size = s.size(e);
                file(x, e, size, () -> s.open(e, size), (start, length, out) -> s.send(e, size, start, length, out));
            }
        }
    }

    private static boolean notModified(DavExchange x, Entry e, Timestamps t) {
        return notModified(x.request, ETags.of(e), t.modified());
    }

    /** RFC 9110 §13.1.2 and §13.1.3: If-None-Match, when sent, decides alone; else If-Modified-Since (seconds). */
    static boolean notModified(HttpServletRequest req, String etag, java.time.Instant modified) {
        String inm = req.getHeader("If-None-Match");
        if (inm != null) {
            return Preconditions.matchesWeak(inm, etag);
        }
        long ims = req.getDateHeader("If-Modified-Since");
        return ims >= 0 && modified.toEpochMilli() / 1000 <= ims / 1000;
    }

    /** Opens a representation's bytes. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /** Sends a part of a representation straight to a channel, if it can (false: nothing sent, stream it). */
    @FunctionalInterface
    interface Sender {
        boolean send(long start, long length, java.nio.channels.WritableByteChannel out) throws IOException;
    }

    static void file(DavExchange x, Entry e, long size, Source source) throws IOException {
        file(x, e, size, source, null);
    }

    static void file(DavExchange x, Entry e, long size, Source source, Sender sender) throws IOException {
        file(x.request, x.response, ETags.of(e), e.name(), size, source, sender);
    }

    /**
     * A file's answer after its ETag, Last-Modified and X-Revision are set and it was found modified: If-Match
     * (412), Content-Type, a single byte range (206, or 416), the length, and the body unless HEAD. One code
     * for every read of a file, so the lean path ({@link HeadFileGet}) answers exactly as the full one.
     */
    static void file(HttpServletRequest req, HttpServletResponse resp, String etag, String name, long size, Source source,
                     Sender sender) throws IOException {
        String ifMatch = req.getHeader("If-Match");
        if (ifMatch != null && !Preconditions.matches(ifMatch, etag)) {
            throw new DavProblem(412, "precondition-failed", "If-Match does not match " + etag);
        }
        resp.setContentType(MediaTypes.of(name));
        resp.setHeader("Accept-Ranges", "bytes");
        ByteRange range = ByteRange.parse(req.getHeader("Range"), size);
        String ifRange = req.getHeader("If-Range");
        if (range != null && ifRange != null && !ifRange.trim().equals(etag)) {
            range = null; // RFC 9110 §13.1.5: the representation changed, send all of it.
        }
        if (range == ByteRange.UNSATISFIABLE) {
            resp.setStatus(416);
            resp.setHeader("Content-Range", "bytes */" + size);
            resp.setContentLength(0);
            return;
        }
        long start = 0;
        long length = size;
        if (range != null) {
            start = range.first();
            length = range.last() - range.first() + 1;
            resp.setStatus(206);
            resp.setHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + size);
        } else {
            resp.setStatus(200);
        }
        resp.setContentLengthLong(length);
        if ("HEAD".equals(req.getMethod())) {
            return;
        }
        if (sender != null && length > 0 && resp.getOutputStream() instanceof org.eclipse.jetty.ee10.servlet.HttpOutput jetty) {
            // Jetty writes a ByteBuffer to the socket as it is: the storage's direct buffers (4 MiB, read from
            // the object file) go out without a copy through the heap (a 1 GiB GET ran at a third of Apache's
            // rate through 64 KiB array copies).
            java.nio.channels.WritableByteChannel ch = new java.nio.channels.WritableByteChannel() {
                private boolean open = true;

                @Override
                public int write(java.nio.ByteBuffer src) throws IOException {
                    int n = src.remaining();
                    jetty.write(src); // blocking: the bytes are out of the buffer when it returns
                    src.position(src.limit());
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return open;
                }

                @Override
                public void close() {
                    open = false;
                }
            };
            if (sender.send(start, length, ch)) {
                jetty.close();
                return;
            }
        }
        try (InputStream in = source.open(); OutputStream out = resp.getOutputStream()) {
            in.skipNBytes(start);
            byte[] buf = new byte[(int) Math.max(1, Math.min(64 * 1024, length))]; // a small file needs no 64 KiB to zero
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /** Dates in the listing as Apache's index shows them (UTC), which mirroring clients (lftp, wget) parse. */
    private static final java.time.format.DateTimeFormatter LISTED = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /**
     * A folder as an HTML table in the shape of Apache's index (name, last modified, size): browsers show it,
     * and mirroring clients parse the sizes and dates from it. Sizes are exact bytes ("-" for a folder).
     */
    private static void listing(DavExchange x, Snapshot s, Entry folder) throws IOException {
        HttpServletResponse resp = x.response;
        resp.setStatus(200);
        resp.setContentType("text/html; charset=utf-8");
        if ("HEAD".equals(x.request.getMethod())) {
            return;
        }
        List<Entry> members = s.list(folder);
        String title = x.target.owner() + "/" + x.target.repo() + "/" + folder.path();
        try (Writer w = new java.io.OutputStreamWriter(resp.getOutputStream(), StandardCharsets.UTF_8)) {
            w.write("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " + Xml.text(title) + "</title></head><body>\n");
            w.write("<h1>Index of " + Xml.text(title) + "</h1>\n<p>revision " + (s.revision() == null ? "(none)" : s.revision().name()) + "</p>\n");
            w.write("<table>\n<tr><th>Name</th><th>Last modified</th><th>Size</th></tr>\n");
            if (!folder.path().isRoot()) {
                w.write("<tr><td><a href=\"" + x.target.href(folder.path().parent(), true) + "\">Parent Directory</a></td>"
                        + "<td>&nbsp;</td><td align=\"right\">-</td></tr>\n");
            }
            for (Entry m : members) {
                if (HistoryView.claims(m.path())) {
                    continue; // shadowed by the computed .history
                }
                java.time.Instant modified = s.modified(m);
                w.write("<tr><td><a href=\"" + Xml.attr(x.target.href(m.path(), m.isFolder())) + "\">" + Xml.text(m.name())
                        + (m.isFolder() ? "/" : "") + "</a></td><td align=\"right\"><time datetime=\"" + HttpDates.rfc3339(modified)
                        + "\">" + LISTED.format(modified) + "</time></td><td align=\"right\">" + (m.isFolder() ? "-" : Long.toString(s.size(m)))
                        + "</td></tr>\n");
            }
            w.write("</table></body></html>\n");
        }
    }
}
