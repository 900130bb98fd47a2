package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.auth.Principal;
import dev.davit.storage.Entry;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;

/**
 * Nextcloud's chunked upload v2, which is also ownCloud's "chunking NG" (the same URLs): both desktop clients
 * use it for a file larger than their first chunk size (10 MB) once the capabilities say {@code dav.chunking}
 * 1.0. The protocol (Nextcloud's apps/dav {@code UploadHome}, the clients' {@code propagateuploadng.cpp}):
 * <ol>
 * <li>{@code MKCOL /remote.php/dav/uploads/{user}/{transfer}} (Nextcloud 27+ clients add {@code Destination}
 * and {@code OC-Total-Length}; a total past the body limit is refused here, before any chunk);</li>
 * <li>{@code PUT .../{transfer}/{chunk}} for each chunk, in any order and possibly in parallel: ownCloud and
 * Nextcloud 3.7 name them by their offset, zero-padded to 16 digits, newer Nextcloud by their number (5
 * digits); the file is assembled in name order, as Nextcloud's server does;</li>
 * <li>{@code PROPFIND} of the transfer's folder (Depth 1) when a client resumes an interrupted upload: each
 * chunk with its {@code getcontentlength}, so only what is missing is sent again;</li>
 * <li>{@code MOVE .../{transfer}/.file} with {@code Destination} (the file's URL under
 * {@code /remote.php/dav/files/{user}/}), {@code OC-Total-Length} (checked: a mismatch is 400), the version the
 * client had as {@code If: <destination> (["etag"])} (the clients move their {@code If-Match} there, since on a
 * MOVE it would name the source) or {@code If-Match}, and {@code X-OC-Mtime}. The chunks are streamed into
 * one blob and committed as one {@code PUT path}, checked and answered exactly like a PUT (412 when stale);</li>
 * <li>{@code DELETE} of the folder aborts.</li>
 * </ol>
 * Chunks live in {@link UploadFolders}, never in a repository: an abandoned upload commits nothing.
 */
final class ChunkedUploadV2 {
    static final String PREFIX = "/remote.php/dav/uploads/";
    private static final String FINAL = ".file";

    /** Opens the exchange of a file URL for the final MOVE: the servlet's checks of rights and repository. */
    interface Exchanges {
        DavExchange open(HttpServletRequest req, HttpServletResponse resp, Principal user, DavTarget target, boolean write) throws Exception;
    }

    private final UploadFolders folders;
    private final DavSettings settings;
    private final DavMount mount;
    private final Exchanges exchanges;

    ChunkedUploadV2(UploadFolders folders, DavSettings settings, DavMount mount, Exchanges exchanges) {
        this.folders = folders;
        this.settings = settings;
        this.mount = mount;
        this.exchanges = exchanges;
    }

    static boolean claims(String rawPath) {
        return rawPath.startsWith(PREFIX) || rawPath.equals(PREFIX.substring(0, PREFIX.length() - 1));
    }

    /** {user, transfer, chunk} decoded from the URL; transfer and chunk null when absent. */
    private record Where(String user, String transfer, String chunk, boolean trailingSlash) {
    }

    private static Where where(String rawPath) throws InvalidPathException {
        String rest = rawPath.length() <= PREFIX.length() ? "" : rawPath.substring(PREFIX.length());
        boolean slash = rest.isEmpty() || rest.endsWith("/");
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        String[] raw = rest.isEmpty() ? new String[0] : rest.split("/", -1);
        if (raw.length > 3) {
            throw DavProblem.badRequest("an upload URL is " + PREFIX + "{user}/{transfer}/{chunk}");
        }
        String[] s = new String[3];
        for (int i = 0; i < raw.length; i++) {
            s[i] = UrlCodec.decode(raw[i]);
            if (s[i].isEmpty() || s[i].equals(".") || s[i].equals("..")) {
                throw DavProblem.badRequest("empty or dot segment in " + rawPath);
            }
        }
        return new Where(s[0], s[1], s[2], slash);
    }

    void handle(HttpServletRequest req, HttpServletResponse resp, Principal user) throws Exception {
        String method = req.getMethod();
        if ("OPTIONS".equals(method)) {
            OptionsHandler.answer(resp);
            return;
        }
        Where w = where(req.getRequestURI());
        if (w.user() == null) {
            throw new DavProblem(403, "no-uploads-here", "upload folders are at " + PREFIX + user.name() + "/");
        }
        if (!w.user().equals(user.name())) {
            // Each user's uploads are theirs alone: not listed, not written, not moved by anyone else.
            throw new DavProblem(403, "other-user", "the upload folders of " + w.user() + " are not yours");
        }
        String base = PREFIX + UrlCodec.encode(user.name()) + "/";
        switch (method) {
            case "MKCOL" -> mkcol(req, resp, w);
            case "PUT" -> put(req, resp, w);
            case "PROPFIND" -> propfind(req, resp, w, base);
            case "DELETE" -> delete(req, resp, w);
            case "MOVE" -> move(req, resp, user, w);
            case "GET", "HEAD" -> get(req, resp, w);
            default -> throw new DavProblem(405, "method-not-allowed", method + " is not supported on an upload folder");
        }
    }

    private void mkcol(HttpServletRequest req, HttpServletResponse resp, Where w) throws IOException {
        if (w.transfer() == null || w.chunk() != null) {
            throw new DavProblem(405, "method-not-allowed", "MKCOL makes " + PREFIX + "{user}/{transfer}, nothing else");
        }
        checkTotal(req.getHeader("OC-Total-Length"));
        if (!folders.create(w.user(), w.transfer())) {
            throw new DavProblem(405, "exists", "upload " + w.transfer() + " exists already");
        }
        empty(resp, 201);
    }

    /** A declared total past the body limit is refused at once (MKCOL and each chunk carry it). */
    private void checkTotal(String header) {
        if (header == null) {
            return;
        }
        long total = totalLength(header);
        long max = settings.maxBodyBytes();
        if (max > 0 && total > max) {
            throw new DavProblem(413, "too-large", "an upload of " + total + " bytes is larger than " + max + " (limits.body.bytes)");
        }
    }

    private static long totalLength(String header) {
        try {
            long v = Long.parseLong(header.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw DavProblem.badRequest("OC-Total-Length must be a byte count, not '" + header + "'");
        }
    }

    private void put(HttpServletRequest req, HttpServletResponse resp, Where w) throws IOException {
        if (w.chunk() == null || w.trailingSlash()) {
            throw new DavProblem(405, "not-a-file", "PUT a chunk into " + PREFIX + "{user}/{transfer}/");
        }
        if (FINAL.equals(w.chunk())) {
            throw new DavProblem(403, "reserved-name", FINAL + " is the assembled file; MOVE it, do not PUT it");
        }
        if (req.getHeader("Content-Range") != null) {
            throw DavProblem.badRequest("partial PUT (Content-Range) is not supported");
        }
        checkTotal(req.getHeader("OC-Total-Length"));
        long max = settings.maxBodyBytes();
        if (max > 0 && req.getContentLengthLong() > max) {
            throw new DavProblem(413, "too-large", "a chunk larger than " + max + " bytes (limits.body.bytes)");
        }
        boolean isNew;
        try (InputStream in = req.getInputStream()) {
            isNew = folders.putChunk(w.user(), w.transfer(), w.chunk(), in, max);
        } catch (NoSuchFileException e) {
            throw new DavProblem(409, "missing-parent", "no upload " + w.transfer() + "; MKCOL it first");
        }
        empty(resp, isNew ? 201 : 204);
    }

    private void get(HttpServletRequest req, HttpServletResponse resp, Where w) throws IOException {
        if (w.chunk() == null) {
            throw new DavProblem(405, "is-folder", "an upload folder has no content; PROPFIND it");
        }
        java.nio.file.Path p = folders.chunkFile(w.user(), w.transfer(), w.chunk())
                .orElseThrow(() -> new DavProblem(404, "not-found", "no chunk " + w.chunk() + " in upload " + w.transfer()));
        resp.setStatus(200);
        resp.setContentType("application/octet-stream");
        resp.setContentLengthLong(java.nio.file.Files.size(p));
        if ("GET".equals(req.getMethod())) {
            java.nio.file.Files.copy(p, resp.getOutputStream());
        }
    }

    private void propfind(HttpServletRequest req, HttpServletResponse resp, Where w, String base) throws IOException {
        String depth = req.getHeader("Depth");
        boolean one = depth == null || depth.trim().equals("1") || depth.trim().equalsIgnoreCase("infinity");
        // The body names properties; every upload entry has the same few, all given. Read (bounded) and dropped.
        try (InputStream in = req.getInputStream()) {
            byte[] buf = new byte[8192];
            long seen = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                seen += n;
                if (seen > settings.maxXmlBodyBytes()) {
                    throw new DavProblem(413, "too-large", "XML body larger than " + settings.maxXmlBodyBytes() + " bytes");
                }
            }
        }
        if (w.transfer() == null) {
            try (Multistatus ms = new Multistatus(resp)) {
                folderResponse(ms, base, null);
            }
            return;
        }
        if (w.chunk() != null) {
            UploadFolders.Chunk c = folders.list(w.user(), w.transfer()).orElse(List.of()).stream()
                    .filter(k -> k.name().equals(w.chunk())).findFirst()
                    .orElseThrow(() -> new DavProblem(404, "not-found", "no chunk " + w.chunk() + " in upload " + w.transfer()));
            try (Multistatus ms = new Multistatus(resp)) {
                chunkResponse(ms, base + UrlCodec.encode(w.transfer()) + "/", c);
            }
            return;
        }
        List<UploadFolders.Chunk> chunks = folders.list(w.user(), w.transfer())
                .orElseThrow(() -> new DavProblem(404, "not-found", "no upload " + w.transfer()));
        String href = base + UrlCodec.encode(w.transfer()) + "/";
        try (Multistatus ms = new Multistatus(resp)) {
            folderResponse(ms, href, folders.modified(w.user(), w.transfer()).orElse(null));
            if (one) {
                for (UploadFolders.Chunk c : chunks) {
                    chunkResponse(ms, href, c);
                }
            }
        }
    }

    private static void folderResponse(Multistatus ms, String href, java.time.Instant modified) throws IOException {
        ms.beginResponse(href);
        List<String> props = new ArrayList<>();
        props.add("<D:resourcetype><D:collection/></D:resourcetype>");
        if (modified != null) {
            props.add("<D:getlastmodified>" + HttpDates.imf(modified) + "</D:getlastmodified>");
        }
        ms.propstat(props, 200);
        ms.endResponse();
    }

    private static void chunkResponse(Multistatus ms, String folderHref, UploadFolders.Chunk c) throws IOException {
        ms.beginResponse(folderHref + UrlCodec.encode(c.name()));
        List<String> props = new ArrayList<>();
        props.add("<D:resourcetype/>");
        props.add("<D:getcontentlength>" + c.size() + "</D:getcontentlength>");
        props.add("<D:getlastmodified>" + HttpDates.imf(c.modified()) + "</D:getlastmodified>");
        props.add("<D:getetag>\"" + c.size() + "-" + c.modified().toEpochMilli() + "\"</D:getetag>");
        ms.propstat(props, 200);
        ms.endResponse();
    }

    private void delete(HttpServletRequest req, HttpServletResponse resp, Where w) throws IOException {
        if (w.transfer() == null) {
            throw new DavProblem(403, "no-uploads-here", "DELETE one upload, not every upload");
        }
        boolean gone = w.chunk() == null ? folders.delete(w.user(), w.transfer())
                : folders.deleteChunk(w.user(), w.transfer(), w.chunk());
        if (!gone) {
            throw new DavProblem(404, "not-found", "no upload " + w.transfer() + (w.chunk() == null ? "" : " chunk " + w.chunk()));
        }
        empty(resp, 204);
    }

    private void move(HttpServletRequest req, HttpServletResponse resp, Principal user, Where w) throws Exception {
        if (w.transfer() == null || !FINAL.equals(w.chunk())) {
            throw new DavProblem(403, "not-final", "MOVE " + PREFIX + "{user}/{transfer}/" + FINAL + " onto the file's URL");
        }
        DavTarget target = CopyMoveHandler.destinationTarget(req, mount, user);
        if (!target.isRepository() || target.path().isRoot() || target.trailingSlash()) {
            throw new DavProblem(403, "not-a-file", "the Destination of " + FINAL + " must be a file URL of your files");
        }
        // The destination's repository, rights and revision, as for a PUT to it.
        DavExchange x = exchanges.open(req, resp, user, target, true);
        UploadFolders.Claimed claimed = folders.claim(w.user(), w.transfer())
                .orElseThrow(() -> new DavProblem(404, "not-found", "no upload " + w.transfer()));
        boolean committed = false;
        try {
            long total = claimed.total();
            String declared = req.getHeader("OC-Total-Length");
            if (declared != null && totalLength(declared) != total) {
                throw DavProblem.badRequest("the chunks of upload " + w.transfer() + " add up to " + total
                        + " bytes, not OC-Total-Length " + declared.trim() + "; send the missing chunks");
            }
            long max = settings.maxBodyBytes();
            if (max > 0 && total > max) {
                throw new DavProblem(413, "too-large", "the chunks add up to " + total + " bytes, more than " + max);
            }
            RepoPath path = target.path();
            try (Snapshot s = x.repository.head()) {
                // Refused before anything is written: stale version (412 here), missing folder, someone's lock, quota.
                Locking.EntryLookup view = SideFileRequests.view(x, s::lookup);
                Entry current = view.lookup(path).orElse(null);
                PutHandler.check(x, path, view, current, s.lookup(path.parent()).orElse(null));
                Entry replaced = s.lookup(path).orElse(null);
                x.quota.checkGrowth(s, total - (replaced == null || replaced.isFolder() ? 0 : s.size(replaced)));
            }
            ObjectId blob;
            try (InputStream in = claimed.stream()) {
                blob = x.repository.insertBlob(in, total);
            }
            PutHandler.store(x, path, blob, PutHandler.clientTime(req.getHeader("X-OC-Mtime")));
            committed = true;
        } finally {
            if (committed) {
                claimed.done();
            } else {
                claimed.giveBack();
            }
        }
    }

    private static void empty(HttpServletResponse resp, int status) {
        resp.setStatus(status);
        resp.setContentLength(0);
    }
}
