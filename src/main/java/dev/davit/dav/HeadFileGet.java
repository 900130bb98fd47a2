package dev.davit.dav;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.storage.GitRepository;
import dev.davit.storage.HeadFiles;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.Repositories;

/**
 * The lean path of the commonest read: GET or HEAD of a small committed file at the head, on the
 * {@code /dav/} mount, by a user who may read the repository. It answers from {@link HeadFiles} without
 * milton's dispatch, an exchange, a snapshot or a tree walk: a 1 KiB GET spent most of its CPU on those
 * (issue 16). Everything else, and every case that could answer differently, is left to the full path
 * untouched, before anything is written: a query ({@code ?rev=}), a trailing slash, a folder, a large or
 * missing file, a path the parser refuses, a repository the user may not read or that does not exist, the
 * computed {@code .history/}, a file kept aside or moved away ({@link SideFileRequests}), and If-Match (its
 * 412 is an error answer, which the full path makes). The headers and the body come from the same code as
 * {@link GetHandler}'s: ETag, X-Revision, Last-Modified (a sync client's own time first), Content-Type,
 * Range, If-None-Match and If-Modified-Since.
 */
final class HeadFileGet {
    /** Most request paths whose parse is remembered (only paths that named a small file at the head). */
    private static final int MAX_PARSED = 1024;
    private final Repositories repositories;
    private final UserStore users;
    private final ClientMetadata clientMetadata;
    /**
     * Request paths already parsed: a parse (split, decode, validate each segment) was an eighth of a lean
     * GET's CPU (JFR). A path parses to the same target whatever the state, so this can only save work.
     */
    private final ConcurrentHashMap<String, DavTarget> parsed = new ConcurrentHashMap<>();

    HeadFileGet(Repositories repositories, UserStore users, ClientMetadata clientMetadata) {
        this.repositories = repositories;
        this.users = users;
        this.clientMetadata = clientMetadata;
    }

    /**
     * A small file at the head that a GET or HEAD of {@code rawPath} by {@code user} reads, with what its
     * answer says about it.
     */
    record Found(DavTarget target, HeadFiles.HeadFile file, String etag, Instant modified) {
    }

    /**
     * The file this request reads when the lean path may answer it, else empty (the full path answers).
     *
     * @param rawPath the still-encoded request path
     * @param query   the query string, or null
     */
    Optional<Found> find(String method, String rawPath, String query, Principal user) throws IOException {
        if (!"GET".equals(method) && !"HEAD".equals(method) || query != null || user == null) {
            return Optional.empty();
        }
        DavTarget target = parsed.get(rawPath);
        if (target == null) {
            try {
                target = DavTarget.parse(rawPath);
            } catch (InvalidPathException | RuntimeException e) {
                return Optional.empty();
            }
        }
        if (!target.isRepository() || target.path().isRoot() || target.trailingSlash() || HistoryView.claims(target.path())
                || !users.allows(user, target.owner(), target.repo(), Access.READ)) {
            return Optional.empty();
        }
        GitRepository repo;
        try {
            repo = repositories.open(target.owner(), target.repo());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
        if (repo.sideFiles().has(target.path())) {
            return Optional.empty(); // a file kept aside (or a LOCK's empty file to settle) at this name
        }
        ClientMetadata.Repo meta = clientMetadata.of(repo);
        if (meta.awayAt(target.path()) != null) {
            return Optional.empty(); // moved away onto a junk name: hidden
        }
        Optional<HeadFiles.HeadFile> found = repo.headFiles().get(target.path());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (parsed.size() >= MAX_PARSED) {
            parsed.clear();
        }
        parsed.putIfAbsent(rawPath, target);
        HeadFiles.HeadFile f = found.get();
        Instant client = meta.clientTime(target.path(), f.blob());
        return Optional.of(new Found(target, f, ETags.of(f.blob()), client != null ? client : f.modified()));
    }

    /** Answers the request and returns true, or returns false having written nothing. */
    boolean answer(HttpServletRequest req, HttpServletResponse resp, Principal user) throws IOException {
        if (req.getHeader("If-Match") != null) {
            return false;
        }
        Optional<Found> found = find(req.getMethod(), req.getRequestURI(), req.getQueryString(), user);
        if (found.isEmpty()) {
            return false;
        }
        Found f = found.get();
        resp.setHeader(DavExchange.REVISION_HEADER, f.file().revision().name());
        resp.setHeader("ETag", f.etag());
        resp.setDateHeader("Last-Modified", f.modified().toEpochMilli());
        if (GetHandler.notModified(req, f.etag(), f.modified())) {
            resp.setStatus(304);
        } else {
            byte[] body = f.file().body();
            GetHandler.file(req, resp, f.etag(), f.target().path().name(), f.file().size(), () -> new ByteArrayInputStream(body), null);
        }
        // Committed here as DavitFilter commits the full path's answers: a 304 without a Content-Length
        // (left to the container, it would say 0, which RFC 9110 §8.6 does not allow for a 304 of a non-empty file).
        resp.flushBuffer();
        return true;
    }
}
