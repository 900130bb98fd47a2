package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;

import dev.davit.auth.Principal;
import dev.davit.storage.Entry;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.history.History;

/**
 * Nextcloud's versions endpoint (apps/files_versions' Sabre plugin), served from git history:
 * <ul>
 * <li>{@code PROPFIND /remote.php/dav/versions/{user}/versions/{fileid}} (Depth 1): the file's past versions,
 * one per commit that changed its content, newest first, each named as Nextcloud names them, by a Unix
 * timestamp (the commit's time; of several commits in one second the older take the seconds before, so
 * every version is listed under a name of its own), with
 * {@code getlastmodified}, {@code getcontentlength}, {@code getetag} (the blob id, as for files) and
 * {@code getcontenttype}. The current content is the file itself and not listed, as Nextcloud lists it
 * for its clients up to version 25. The history is the path's: before a MOVE it was another path's.</li>
 * <li>{@code GET .../versions/{fileid}/{timestamp}}: that version's bytes.</li>
 * <li>{@code MOVE} (or {@code COPY}) of a version to {@code /remote.php/dav/versions/{user}/restore/target}:
 * restores it, one commit {@code Restore <path> to version <timestamp> (<commit>)}, checked like a PUT of the
 * file (locks, rights).</li>
 * </ul>
 * {@code fileid} is the {@code oc:fileid} the clients have (see {@link ClientMetadata}); the file's repository is
 * the user's home. Only the user's own versions are served.
 */
final class NextcloudVersions {
    static final String PREFIX = "/remote.php/dav/versions/";
    static final int MAX_VERSIONS = 100;

    private final DavMount mount;
    private final ChunkedUploadV2.Exchanges exchanges;

    NextcloudVersions(DavMount mount, ChunkedUploadV2.Exchanges exchanges) {
        this.mount = mount;
        this.exchanges = exchanges;
    }

    static boolean claims(String rawPath) {
        return rawPath.startsWith(PREFIX) || rawPath.equals(PREFIX.substring(0, PREFIX.length() - 1));
    }

    /** One version: its name (a timestamp), the commit and the blob. */
    record Version(String name, CommitInfo commit, Entry file, long size) {
    }

    void handle(HttpServletRequest req, HttpServletResponse resp, Principal user) throws Exception {
        if ("OPTIONS".equals(req.getMethod())) {
            OptionsHandler.answer(resp);
            return;
        }
        List<String> segs = segments(req.getRequestURI());
        if (segs.isEmpty() || !segs.get(0).equals(user.name())) {
            throw new DavProblem(403, "other-user", "versions are served at " + PREFIX + user.name() + "/ for you only");
        }
        String base = PREFIX + UrlCodec.encode(user.name()) + "/";
        String method = req.getMethod();
        if (segs.size() < 3 || !segs.get(1).equals("versions")) {
            if (!method.equals("PROPFIND")) {
                throw new DavProblem(405, "method-not-allowed", method + " is not supported here");
            }
            String href = base + (segs.size() >= 2 ? UrlCodec.encode(segs.get(1)) + "/" : "");
            if (segs.size() >= 2 && !segs.get(1).equals("versions") && !segs.get(1).equals("restore") || segs.size() > 2) {
                throw new NotFoundException(RepoPath.ROOT, "nothing at " + req.getRequestURI());
            }
            try (Multistatus ms = new Multistatus(resp)) {
                folder(ms, href);
            }
            return;
        }
        long fileId;
        try {
            fileId = Long.parseLong(segs.get(2));
        } catch (NumberFormatException e) {
            throw new NotFoundException(RepoPath.ROOT, "no file with id " + segs.get(2));
        }
        if (segs.size() > 4) {
            throw new NotFoundException(RepoPath.ROOT, "nothing at " + req.getRequestURI());
        }
        DavTarget home = mount.parse("/remote.php/dav/files/" + UrlCodec.encode(user.name()) + "/", user);
        boolean write = method.equals("MOVE") || method.equals("COPY");
        DavExchange x = exchanges.open(req, resp, user, home, write);
        RepoPath path = x.clientMetadata().pathOf(fileId);
        if (path == null) {
            throw new NotFoundException(RepoPath.ROOT, "no file with id " + fileId);
        }
        List<Version> versions = versions(x, path);
        String folderHref = base + "versions/" + fileId + "/";
        if (segs.size() == 3) {
            if (!method.equals("PROPFIND")) {
                throw new DavProblem(405, "method-not-allowed", method + " is not supported on a file's versions");
            }
            discardBody(req, x.settings.maxXmlBodyBytes());
            String depth = req.getHeader("Depth");
            try (Multistatus ms = new Multistatus(resp)) {
                folder(ms, folderHref);
                if (depth == null || !depth.trim().equals("0")) {
                    for (Version v : versions) {
                        version(ms, folderHref, v);
                    }
                }
            }
            return;
        }
        Version v = versions.stream().filter(k -> k.name().equals(segs.get(3))).findFirst()
                .orElseThrow(() -> new NotFoundException(RepoPath.ROOT, "no version " + segs.get(3) + " of /" + path));
        switch (method) {
            case "PROPFIND" -> {
                discardBody(req, x.settings.maxXmlBodyBytes());
                try (Multistatus ms = new Multistatus(resp)) {
                    version(ms, folderHref, v);
                }
            }
            case "GET", "HEAD" -> get(x, v);
            case "MOVE", "COPY" -> restore(x, user, path, v);
            default -> throw new DavProblem(405, "method-not-allowed", method + " is not supported on a version");
        }
    }

    private static List<String> segments(String rawPath) throws InvalidPathException {
        String rest = rawPath.length() <= PREFIX.length() ? "" : rawPath.substring(PREFIX.length());
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        List<String> out = new ArrayList<>();
        if (!rest.isEmpty()) {
            for (String r : rest.split("/", -1)) {
                out.add(UrlCodec.decode(r));
            }
        }
        return out;
    }

    /** The file's past contents, newest first, from the commits that changed it (its current content left out). */
    static List<Version> versions(DavExchange x, RepoPath path) throws IOException {
        ObjectId head = x.repository.headId();
        Map<String, Version> byName = new LinkedHashMap<>();
        if (head == null) {
            return List.of();
        }
        ObjectId current;
        try (Snapshot s = x.repository.head()) {
            current = s.lookup(path).filter(e -> !e.isFolder()).map(Entry::id).orElse(null);
        }
        boolean newest = true;
        long last = Long.MAX_VALUE;
        for (CommitInfo c : History.of(x.repository).log(head, path, 0, MAX_VERSIONS + 1).commits()) {
            try (Snapshot s = x.repository.at(c.id().name())) {
                Entry e = s.lookup(path).orElse(null);
                if (e == null || e.isFolder()) {
                    newest = false; // a deletion: what came before is past
                    continue;
                }
                if (newest && e.id().equals(current)) {
                    newest = false; // the file's content now: the file itself, not a version
                    continue;
                }
                newest = false;
                // Unique and newest first: of commits within one second the older ones take the seconds before.
                long second = Math.min(c.committer().when().getEpochSecond(), last - 1);
                last = second;
                String name = Long.toString(second);
                byName.put(name, new Version(name, c, e, s.size(e)));
            } catch (NotFoundException e) {
                // a commit the walk found is always there
            }
        }
        return byName.values().stream().limit(MAX_VERSIONS).toList();
    }

    private static void folder(Multistatus ms, String href) throws IOException {
        ms.beginResponse(href);
        ms.propstat(List.of("<D:resourcetype><D:collection/></D:resourcetype>"), 200);
        ms.endResponse();
    }

    private static void version(Multistatus ms, String folderHref, Version v) throws IOException {
        ms.beginResponse(folderHref + v.name());
        Instant when = v.commit().committer().when();
        ms.propstat(List.of("<D:resourcetype/>",
                "<D:getcontentlength>" + v.size() + "</D:getcontentlength>",
                "<D:getlastmodified>" + HttpDates.imf(when) + "</D:getlastmodified>",
                "<D:getetag>" + Xml.text(ETags.of(v.file().id())) + "</D:getetag>",
                "<D:getcontenttype>" + Xml.text(MediaTypes.of(v.file().path().name())) + "</D:getcontenttype>"), 200);
        ms.endResponse();
    }

    private static void get(DavExchange x, Version v) throws IOException {
        x.response.setStatus(200);
        x.response.setContentType(MediaTypes.of(v.file().path().name()));
        x.response.setContentLengthLong(v.size());
        x.response.setHeader("ETag", ETags.of(v.file().id()));
        if ("HEAD".equals(x.request.getMethod())) {
            return;
        }
        try (Snapshot s = x.repository.at(v.commit().id().name()); InputStream in = s.open(v.file(), v.size());
             OutputStream out = x.response.getOutputStream()) {
            in.transferTo(out);
        } catch (NotFoundException e) {
            throw new IOException(e);
        }
    }

    private void restore(DavExchange x, Principal user, RepoPath path, Version v) throws Exception {
        String restore = PREFIX + UrlCodec.encode(user.name()) + "/restore/";
        String d = x.header("Destination");
        String raw = d == null ? "" : d.trim();
        int scheme = raw.indexOf("://");
        if (scheme >= 0) {
            int slash = raw.indexOf('/', scheme + 3);
            raw = slash < 0 ? "/" : raw.substring(slash);
        }
        // Nextcloud's RestoreFolder: the destination is {user}/restore/target (it takes any name there).
        if (!raw.startsWith(restore) || raw.length() == restore.length()) {
            throw new DavProblem(403, "restore-target", "restore a version by moving it to " + restore + "target");
        }
        DavTarget file = new DavTarget(x.target.owner(), x.target.repo(), path, false, x.target.base());
        DavExchange fx = exchanges.open(x.request, x.response, user, file, true);
        String shortId;
        try (ObjectReader reader = fx.repository.newReader()) {
            shortId = reader.abbreviate(v.commit().id(), 7).name();
        }
        try (Snapshot s = fx.repository.head()) {
            Locking.EntryLookup view = SideFileRequests.view(fx, s::lookup);
            PutHandler.check(fx, path, view, view.lookup(path).orElse(null), s.lookup(path.parent()).orElse(null));
        }
        PutHandler.store(fx, path, v.file().id(), null, "Restore " + path + " to version " + v.name() + " (" + shortId + ")");
    }

    private static void discardBody(HttpServletRequest req, long max) throws IOException {
        try (InputStream in = req.getInputStream()) {
            byte[] buf = new byte[8192];
            long seen = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                seen += n;
                if (seen > max) {
                    throw new DavProblem(413, "too-large", "XML body larger than " + max + " bytes");
                }
            }
        }
    }
}
