package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.ObjectChecker;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.davit.storage.InvalidPathException;
import dev.davit.storage.RepoPath;

/**
 * Fuzzes the path normaliser: {@link RepoPath#parse}, {@link RepoPath#of}, {@link UrlCodec#decode} and
 * {@link DavTarget#parse}. The only refusal is {@link InvalidPathException}; a path that is accepted has
 * segments that are never empty, {@code .} or {@code ..}, never contain {@code /}, {@code \}, NUL or a
 * control character, are NFC and at most 255 bytes, are never {@code .git} in any spelling a file system
 * may take for it (JGit's own Windows and macOS checks decide: {@code .GIT.}, {@code git~1},
 * {@code .g\u200cit}, ...) and never Davit's hidden {@code .davit*} names; and an accepted path parses again
 * to itself (from its string, and from its encoded href).
 */
class PathFuzzTest {
    /** JGit's ObjectChecker reporting only HAS_DOTGIT, with the Windows (NTFS, 8.3) and macOS (HFS+) rules. */
    private static final ObjectChecker DOTGIT = new ObjectChecker()
            .setSafeForWindows(true)
            .setSafeForMacOS(true)
            .setIgnore(EnumSet.complementOf(EnumSet.of(ObjectChecker.ErrorType.HAS_DOTGIT)));

    @FuzzTest(maxDuration = "30s")
    void repoPath(byte[] raw) {
        if (raw.length == 0) {
            return;
        }
        // First byte: bit 0 = slash form (parse) or segment list (of, segments split at U+0001);
        // bits 1-2 = how the rest becomes characters (UTF-8, UTF-16BE for every char incl. lone surrogates, Latin-1).
        boolean slashForm = (raw[0] & 1) == 0;
        String s = text(raw, 1, (raw[0] >> 1) & 3);
        RepoPath p;
        try {
            p = slashForm ? RepoPath.parse(s) : RepoPath.of(List.of(s.split("\u0001", -1)));
        } catch (InvalidPathException e) {
            assertThat(e.reason()).isNotNull();
            return;
        }
        assertSafe(p, s);
        try {
            assertThat(RepoPath.parse(p.toString())).isEqualTo(p);
        } catch (InvalidPathException e) {
            throw new AssertionError("accepted path " + p + " does not parse again: " + e.getMessage(), e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void urlDecode(byte[] raw) {
        String s = new String(raw, StandardCharsets.ISO_8859_1);
        String decoded;
        try {
            decoded = UrlCodec.decode(s);
        } catch (InvalidPathException e) {
            assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.MALFORMED);
            return;
        }
        assertThat(decoded).isNotNull();
        String encoded = UrlCodec.encode(decoded);
        assertThat(encoded).matches("[A-Za-z0-9._~%-]*");
        try {
            assertThat(UrlCodec.decode(encoded)).as("decode(encode(%s))", decoded).isEqualTo(decoded);
        } catch (InvalidPathException e) {
            throw new AssertionError("encode(" + decoded + ") = " + encoded + " does not decode: " + e.getMessage(), e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void davTarget(byte[] tail) {
        // A request target as Jetty hands it over: one char per byte.
        String raw = "/dav/demo/sample/" + new String(tail, StandardCharsets.ISO_8859_1);
        DavTarget t;
        try {
            t = DavTarget.parse(raw);
        } catch (InvalidPathException e) {
            assertThat(e.reason()).isNotNull();
            return;
        }
        assertThat(t.owner()).isEqualTo("demo");
        if (t.repo() == null) {
            return; // "/dav/demo/sample" + something that ends the repository name: not a path below it
        }
        assertSafe(t.path(), raw);
        String href = t.href(t.path(), t.trailingSlash());
        try {
            DavTarget again = DavTarget.parse(href);
            assertThat(again.repo()).isEqualTo(t.repo());
            assertThat(again.path()).as("href %s of %s", href, raw).isEqualTo(t.path());
        } catch (InvalidPathException e) {
            throw new AssertionError("href " + href + " of accepted " + raw + " does not parse: " + e.getMessage(), e);
        }
    }

    static String text(byte[] raw, int from, int mode) {
        byte[] b = java.util.Arrays.copyOfRange(raw, from, raw.length);
        return switch (mode) {
            case 1 -> {
                char[] c = new char[b.length / 2]; // every UTF-16 unit, lone surrogates included
                for (int i = 0; i < c.length; i++) {
                    c[i] = (char) ((b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF));
                }
                yield new String(c);
            }
            case 2 -> new String(b, StandardCharsets.ISO_8859_1);
            default -> new String(b, StandardCharsets.UTF_8);
        };
    }

    static void assertSafe(RepoPath p, String input) {
        for (String seg : p.segments()) {
            String why = "segment '" + seg + "' of input '" + input + "'";
            assertThat(seg).as(why).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..")
                    .doesNotContain("/").doesNotContain("\\").doesNotContain("\0");
            assertThat(seg.chars().noneMatch(c -> Character.getType(c) == Character.CONTROL)).as(why + ": control character").isTrue();
            assertThat(Normalizer.isNormalized(seg, Normalizer.Form.NFC)).as(why + ": NFC").isTrue();
            assertThat(seg.getBytes(StandardCharsets.UTF_8).length).as(why + ": bytes").isLessThanOrEqualTo(RepoPath.MAX_SEGMENT_BYTES);
            assertThat(seg.toLowerCase(Locale.ROOT)).as(why + ": Davit's hidden names").doesNotStartWith(".davit");
            // NTFS reads "name:stream" as "name" (CVE-2019-1352: ".git::$INDEX_ALLOCATION"); JGit refuses ':' and
            // the other characters Windows forbids outright, so it is asked about the part before the stream only,
            // with those characters made harmless.
            String probe = seg.indexOf(':') >= 0 ? seg.substring(0, seg.indexOf(':')) : seg;
            if (probe.isEmpty()) {
                continue;
            }
            byte[] b = probe.replaceAll("[\"*<>?|]", "_").getBytes(StandardCharsets.UTF_8);
            try {
                DOTGIT.checkPathSegment(b, 0, b.length);
            } catch (CorruptObjectException e) {
                throw new AssertionError(why + " is .git on some file system (JGit: " + e.getMessage() + ")", e);
            }
        }
    }
}
