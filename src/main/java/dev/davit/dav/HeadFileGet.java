package dev.davit.dav;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

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
    private final Repositories repositories;
    private final UserStore users;
    private final ClientMetadata clientMetadata;

    HeadFileGet(Repositories repositories, UserStore users, ClientMetadata clientMetadata) {
        this.repositories = repositories;
        this.users = users;
        this.clientMetadata = clientMetadata;
    }

    /** Answers the request and returns true, or returns false having written nothing. */
    boolean answer(HttpServletRequest req, HttpServletResponse resp, Principal user) throws IOException {
        String method = req.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method) || req.getQueryString() != null || req.getHeader("If-Match") != null) {
            return false;
        }
        DavTarget target;
        try {
            target = DavTarget.parse(req.getRequestURI());
        } catch (InvalidPathException | RuntimeException e) {
            return false;
        }
        if (!target.isRepository() || target.path().isRoot() || target.trailingSlash() || HistoryView.claims(target.path())
                || user == null || !users.allows(user, target.owner(), target.repo(), Access.READ)) {
            return false;
        }
        GitRepository repo;
        try {
            repo = repositories.open(target.owner(), target.repo());
        } catch (NotFoundException e) {
            return false;
        }
        if (repo.sideFiles().has(target.path())) {
            return false; // a file kept aside (or a LOCK's empty file to settle) at this name
        }
        ClientMetadata.Repo meta = clientMetadata.of(repo);
        if (meta.awayAt(target.path()) != null) {
            return false; // moved away onto a junk name: hidden
        }
        Optional<HeadFiles.HeadFile> found = repo.headFiles().get(target.path());
        if (found.isEmpty()) {
            return false;
        }
        HeadFiles.HeadFile f = found.get();
        Instant client = meta.clientTime(target.path(), f.blob());
        Instant modified = client != null ? client : f.modified();
        String etag = ETags.of(f.blob());
        resp.setHeader(DavExchange.REVISION_HEADER, f.revision().name());
        resp.setHeader("ETag", etag);
        resp.setDateHeader("Last-Modified", modified.toEpochMilli());
        if (GetHandler.notModified(req, etag, modified)) {
            resp.setStatus(304);
        } else {
            GetHandler.file(req, resp, etag, target.path().name(), f.size(), () -> new ByteArrayInputStream(f.body()), null);
        }
        // Committed here as DavitFilter commits the full path's answers: a 304 without a Content-Length
        // (left to the container, it would say 0, which RFC 9110 §8.6 does not allow for a 304 of a non-empty file).
        resp.flushBuffer();
        return true;
    }
}
