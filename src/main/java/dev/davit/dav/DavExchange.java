package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.auth.Principal;
import dev.davit.storage.GitRepository;
import dev.davit.storage.RepositorySizes;
import dev.davit.storage.Identity;
import dev.davit.storage.RepoPath;

/** One request under a repository, as the method handlers see it. */
final class DavExchange {
    static final String REVISION_HEADER = "X-Revision";

    final HttpServletRequest request;
    final HttpServletResponse response;
    final Principal user;
    final DavTarget target;
    final GitRepository repository;
    final DavSettings settings;
    final Locking locking;
    final JunkNames junk;
    final DavMount mount;
    final ClientMetadata clientMetadataStore;
    /** The user may write this repository (Nextcloud's {@code oc:permissions} say so). */
    boolean writable;
    private ClientMetadata.Repo clientMetadata;
    final RepositorySizes quota;
    private IfHeader ifHeader;
    private long[] quotaFigures;
    private boolean ifParsed;

    DavExchange(HttpServletRequest request, HttpServletResponse response, Principal user, DavTarget target,
                GitRepository repository, DavSettings settings, Locking locking, JunkNames junk, DavMount mount,
                ClientMetadata clientMetadataStore, RepositorySizes quota) {
        this.quota = quota;
        this.mount = mount;
        this.clientMetadataStore = clientMetadataStore;
        this.request = request;
        this.response = response;
        this.user = user;
        this.target = target;
        this.repository = repository;
        this.settings = settings;
        this.locking = locking;
        this.junk = junk;
    }

    /** This repository's file ids and client times (see {@link ClientMetadata}). */
    ClientMetadata.Repo clientMetadata() throws IOException {
        if (clientMetadata == null) {
            clientMetadata = clientMetadataStore.of(repository);
        }
        return clientMetadata;
    }

    /** The parsed {@code If} header, or null; a malformed one is a 400. */
    IfHeader ifHeader() {
        if (!ifParsed) {
            ifHeader = IfHeader.parse(request.getHeader("If"));
            ifParsed = true;
        }
        return ifHeader;
    }

    /** True when the request names a file that is kept aside rather than committed. */
    boolean isJunk(RepoPath p) {
        if (p.isRoot()) {
            return false;
        }
        // A PUT asks this of its own path three times, and the names are one pattern of some twenty alternatives
        // (~1.3% of a PUT's thread, JFR): the last answer is kept for the request.
        if (!p.equals(junkAsked)) {
            junkAnswer = junk.isJunk(p.name());
            junkAsked = p;
        }
        return junkAnswer;
    }

    /** The path {@link #isJunk} was last asked about, and its answer (one request's thread). */
    private RepoPath junkAsked;
    private boolean junkAnswer;

    RepoPath path() {
        return target.path();
    }

    String header(String name) {
        return request.getHeader(name);
    }

    /** The {@code ?rev=} of a read of a past state, or null. */
    String rev() {
        // Parsed from the query string by hand: getParameter() would make the servlet container read a
        // form-encoded PUT body as parameters, and the file would be stored empty (milton-ce.md §4).
        String q = request.getQueryString();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            if (pair.startsWith("rev=")) {
                String v = java.net.URLDecoder.decode(pair.substring(4), java.nio.charset.StandardCharsets.UTF_8);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    Identity author() {
        return new Identity(user.name(), user.email());
    }

    void revision(ObjectId commit) {
        if (commit != null) {
            response.setHeader(REVISION_HEADER, commit.name());
        }
    }

    /** Reads an XML body, refusing more than the configured size (413) before parsing anything. */
    byte[] xmlBody() throws IOException {
        long declared = request.getContentLengthLong();
        long max = settings.maxXmlBodyBytes();
        if (declared > max) {
            throw new DavProblem(413, "too-large", "XML body larger than " + max + " bytes");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw new DavProblem(413, "too-large", "XML body larger than " + max + " bytes");
            }
            return body;
        }
    }

    /**
     * The repository's quota figures, {used, available} (RFC 4331), from the head: computed once per request,
     * however many collections a PROPFIND lists.
     */
    long[] quotaFigures() throws IOException {
        if (quotaFigures == null) {
            try (dev.davit.storage.Snapshot s = repository.head()) {
                quotaFigures = new long[] {quota.used(s), quota.available(s)};
            }
        }
        return quotaFigures;
    }

    /** True when the request carries a body (a length above zero or a chunked transfer). */
    boolean hasBody() {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }
}
