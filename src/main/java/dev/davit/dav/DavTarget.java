package dev.davit.dav;

import java.util.ArrayList;
import java.util.List;

import dev.davit.storage.InvalidPathException;
import dev.davit.storage.RepoPath;

/**
 * What a {@code /dav/{owner}/{repo}/{path}} URL names. {@code owner} or {@code repo} are null for URLs
 * above a repository ({@code /dav/}, {@code /dav/{owner}/}).
 *
 * @param base the encoded URL path of the repository root with a trailing slash ({@code /dav/o/r/}, or a
 *             sync client's {@code /remote.php/webdav/}, see {@link DavMount}); null above a repository
 */
record DavTarget(String owner, String repo, RepoPath path, boolean trailingSlash, String base) {
    static final String PREFIX = "/dav/";

    DavTarget(String owner, String repo, RepoPath path, boolean trailingSlash) {
        this(owner, repo, path, trailingSlash,
                owner == null || repo == null ? null : PREFIX + UrlCodec.encode(owner) + "/" + UrlCodec.encode(repo) + "/");
    }

    /**
     * Parses the still-encoded path of a request URI or of a {@code Destination} header.
     *
     * @throws InvalidPathException for a path that is malformed (400) or reaches something reserved (403)
     */
    static DavTarget parse(String rawPath) throws InvalidPathException {
        if (!rawPath.startsWith(PREFIX)) {
            if (rawPath.equals("/dav")) {
                return new DavTarget(null, null, RepoPath.ROOT, true);
            }
            throw new InvalidPathException(InvalidPathException.Reason.MALFORMED, "not a /dav/ URL: " + rawPath);
        }
        String rest = rawPath.substring(PREFIX.length());
        boolean slash = rest.isEmpty() || rest.endsWith("/");
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return new DavTarget(null, null, RepoPath.ROOT, true);
        }
        String[] raw = rest.split("/", -1);
        List<String> segs = new ArrayList<>(raw.length);
        for (String r : raw) {
            segs.add(UrlCodec.decode(r));
        }
        String owner = segs.get(0);
        if (segs.size() == 1) {
            return new DavTarget(owner, null, RepoPath.ROOT, slash);
        }
        String repo = segs.get(1);
        return new DavTarget(owner, repo, RepoPath.of(segs.subList(2, segs.size())), slash);
    }

    /**
     * The path below a mount point whose repository is already known ({@code rest} is the still-encoded
     * part after {@code base}).
     */
    static DavTarget below(String owner, String repo, String base, String rest) throws InvalidPathException {
        boolean slash = rest.isEmpty() || rest.endsWith("/");
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        List<String> segs = new ArrayList<>();
        if (!rest.isEmpty()) {
            for (String r : rest.split("/", -1)) {
                segs.add(UrlCodec.decode(r));
            }
        }
        return new DavTarget(owner, repo, RepoPath.of(segs), slash, base);
    }

    /**
     * Just the owner and repository of a raw {@code /dav/{owner}/{repo}/...} path, or null; lenient about
     * the rest, so that an answer refusing a bad path can still name the repository's revision.
     */
    static String[] repositoryNames(String rawPath) {
        if (!rawPath.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = rawPath.substring(PREFIX.length()).split("/", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return null;
        }
        try {
            return new String[] {UrlCodec.decode(parts[0]), UrlCodec.decode(parts[1])};
        } catch (InvalidPathException e) {
            return null;
        }
    }

    boolean isRepository() {
        return owner != null && repo != null;
    }

    /** The encoded URL path of the repository root, with a trailing slash. */
    String repositoryHref() {
        return base;
    }

    /** The encoded URL path of {@code p} in this repository; folders end in '/'. */
    String href(RepoPath p, boolean folder) {
        StringBuilder sb = new StringBuilder(repositoryHref());
        for (String s : p.segments()) {
            sb.append(UrlCodec.encode(s)).append('/');
        }
        if (!folder && !p.isRoot()) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }
}
