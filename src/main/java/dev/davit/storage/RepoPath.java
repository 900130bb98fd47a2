package dev.davit.storage;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A validated path inside a repository's tree: zero or more segments, never empty segments, never
 * {@code .} or {@code ..}, never a separator, backslash, NUL or control character, never a name git or
 * Davit keeps to itself. Names are stored in Unicode NFC so that macOS (which sends NFD) and everybody
 * else reach the same file instead of two that look identical.
 */
public final class RepoPath implements Comparable<RepoPath> {
    /** Longest name in bytes; the common file-system limit, so that a checkout of the repository works. */
    public static final int MAX_SEGMENT_BYTES = 255;
    /** Longest whole path in bytes: PATH_MAX of Linux, so a checkout of the repository works. */
    public static final int MAX_PATH_BYTES = 4096;
    /** Deepest path; deeper trees are a denial-of-service shape, not a file layout. */
    public static final int MAX_DEPTH = 256;

    public static final RepoPath ROOT = new RepoPath(List.of());

    private final List<String> segments;
    private int hash;
    /** The joined form, made once: index lookups and hrefs ask for it per PROPFIND member. */
    private String joined;

    private RepoPath(List<String> segments) {
        this.segments = segments;
    }

    /** Parses {@code a/b/c} (no leading or trailing slash needed; an empty string is the root). */
    public static RepoPath parse(String slashPath) throws InvalidPathException {
        if (slashPath.isEmpty()) {
            return ROOT;
        }
        String trimmed = slashPath;
        if (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return ROOT;
        }
        return of(List.of(trimmed.split("/", -1)));
    }

    /** Builds a path from already-decoded segments, validating each one. */
    public static RepoPath of(List<String> rawSegments) throws InvalidPathException {
        if (rawSegments.size() > MAX_DEPTH) {
            throw malformed("a path may be at most " + MAX_DEPTH + " levels deep");
        }
        List<String> clean = new ArrayList<>(rawSegments.size());
        int bytes = 0;
        for (String raw : rawSegments) {
            String s = validateSegment(raw);
            bytes += s.getBytes(StandardCharsets.UTF_8).length + 1;
            if (bytes > MAX_PATH_BYTES) {
                throw malformed("a path may be at most " + MAX_PATH_BYTES + " bytes long");
            }
            clean.add(s);
        }
        return new RepoPath(Collections.unmodifiableList(clean));
    }

    /**
     * Checks one decoded name and returns its NFC form.
     *
     * @throws InvalidPathException MALFORMED for syntax, FORBIDDEN for reserved names
     */
    public static String validateSegment(String raw) throws InvalidPathException {
        if (raw.isEmpty()) {
            throw malformed("empty path segment");
        }
        if (raw.equals(".") || raw.equals("..")) {
            throw malformed("'.' and '..' are not allowed in paths");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '/' || c == '\\') {
                throw malformed("a name may not contain '/' or '\\'");
            }
            if (Character.getType(c) == Character.CONTROL) { // C0, DEL and C1
                throw malformed("a name may not contain control characters or NUL");
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < raw.length()
                    && Character.isLowSurrogate(raw.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(raw.charAt(i - 1)))) {
                throw malformed("a name may not contain unpaired surrogates");
            }
        }
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC);
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
            throw malformed("a name may be at most " + MAX_SEGMENT_BYTES + " bytes long");
        }
        if (isGitName(name)) {
            throw new InvalidPathException(InvalidPathException.Reason.FORBIDDEN, "'" + name + "' is reserved by git");
        }
        if (HiddenNames.isHidden(name)) {
            throw new InvalidPathException(InvalidPathException.Reason.FORBIDDEN, "'" + name + "' is reserved by Davit");
        }
        return name;
    }

    /**
     * {@code .git} in any spelling that a file system may treat as the same name: any case, trailing dots
     * or spaces (Windows strips them), and the 8.3 short name {@code git~1} (the CVE-2014-9390 family).
     */
    private static boolean isGitName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        // NTFS reads ".git:stream" and ".git::$INDEX_ALLOCATION" as .git itself (CVE-2019-1352).
        int colon = lower.indexOf(':');
        if (colon >= 0) {
            lower = lower.substring(0, colon);
        }
        int end = lower.length();
        while (end > 0 && (lower.charAt(end - 1) == '.' || lower.charAt(end - 1) == ' ')) {
            end--; // trailing dots and spaces, which Windows strips
        }
        String stripped = lower.substring(0, end);
        if (stripped.equals(".git") || stripped.equals("git~1")) {
            return true;
        }
        // HFS+ ignores some code points (".g\u200cit" is .git: CVE-2014-9390); JGit knows the list. Checked on
        // the whole name and on what a stream suffix and trailing dots or spaces leave of it (".g\u200cit:x"
        // names the same as ".g\u200cit" where streams exist: Jazzer found that the whole name alone passed).
        int cut = name.indexOf(':') >= 0 ? name.indexOf(':') : name.length();
        int trim = cut;
        while (trim > 0 && (name.charAt(trim - 1) == '.' || name.charAt(trim - 1) == ' ')) {
            trim--;
        }
        // Every segment of every request comes here: the shorter forms only when they differ from the name.
        String[] candidates = cut == name.length() && trim == cut ? new String[] {name}
                : trim == cut ? new String[] {name, name.substring(0, cut)}
                : new String[] {name, name.substring(0, cut), name.substring(0, trim)};
        for (String candidate : candidates) {
            if (candidate.isEmpty()) {
                continue;
            }
            try {
                byte[] utf8 = candidate.getBytes(StandardCharsets.UTF_8);
                MAC_CHECK.checkPathSegment(utf8, 0, utf8.length);
            } catch (org.eclipse.jgit.errors.CorruptObjectException e) {
                return true;
            }
        }
        return false;
    }

    private static final org.eclipse.jgit.lib.ObjectChecker MAC_CHECK = new org.eclipse.jgit.lib.ObjectChecker().setSafeForMacOS(true);

    private static InvalidPathException malformed(String message) {
        return new InvalidPathException(InvalidPathException.Reason.MALFORMED, message);
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    public List<String> segments() {
        return segments;
    }

    public int depth() {
        return segments.size();
    }

    /** The last segment; the empty string for the root. */
    public String name() {
        return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    }

    /** The parent; the root is its own parent. */
    public RepoPath parent() {
        return segments.isEmpty() ? this : new RepoPath(segments.subList(0, segments.size() - 1));
    }

    /** A child by a name that has been validated already (names read from a tree are trusted). */
    public RepoPath child(String name) {
        List<String> next = new ArrayList<>(segments.size() + 1);
        next.addAll(segments);
        next.add(name);
        RepoPath c = new RepoPath(Collections.unmodifiableList(next));
        // A listing makes one child per member and asks each for its joined form: one concatenation on the
        // parent's (made once per folder) instead of joining every segment again (7% of a PROPFIND's time).
        String parent = toString();
        c.joined = parent.isEmpty() ? name : parent + "/" + name;
        return c;
    }

    /** True when {@code other} is this path or lies below it. */
    public boolean contains(RepoPath other) {
        return other.segments.size() >= segments.size() && other.segments.subList(0, segments.size()).equals(segments);
    }

    /** Replaces the prefix {@code from} (which this path must start with) by {@code to}. */
    public RepoPath rebase(RepoPath from, RepoPath to) {
        List<String> next = new ArrayList<>(to.segments);
        next.addAll(segments.subList(from.segments.size(), segments.size()));
        return new RepoPath(Collections.unmodifiableList(next));
    }

    @Override
    public String toString() {
        String j = joined;
        if (j == null) {
            j = String.join("/", segments);
            joined = j;
        }
        return j;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepoPath p && p.segments.equals(segments);
    }

    @Override
    public int hashCode() {
        // Remembered as String remembers its own (0: not yet; racy but idempotent): a small GET's look-up of the
        // head's files hashes its path, and the list's hash walks every segment (~2% of its thread, JFR).
        int h = hash;
        if (h == 0) {
            h = segments.hashCode();
            hash = h;
        }
        return h;
    }

    @Override
    public int compareTo(RepoPath o) {
        return toString().compareTo(o.toString());
    }
}
