package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RepoPathTest {

    private static InvalidPathException.Reason reasonOfSegment(String segment) {
        try {
            RepoPath.validateSegment(segment);
        } catch (InvalidPathException e) {
            return e.reason();
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "", "a/b", "/", "a\\b", "\\", "a\u0000b", "\u0000", "a\u0001", "tab\there",
            "new\nline", "cr\r", "\u001f", "del\u007f"})
    void malformedSegmentsAreRefused(String segment) {
        assertThat(reasonOfSegment(segment)).as("segment %s", escape(segment)).isEqualTo(InvalidPathException.Reason.MALFORMED);
        assertThatThrownBy(() -> RepoPath.of(List.of("ok", segment)))
                .isInstanceOfSatisfying(InvalidPathException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.MALFORMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/../b", "../a", "a/..", "./a", "a/./b", "a//b", "a/b\\c", "a/\u0000", "a/b\u0007/c"})
    void malformedPathsAreRefusedByParse(String path) {
        assertThatThrownBy(() -> RepoPath.parse(path))
                .as("path %s", escape(path))
                .isInstanceOfSatisfying(InvalidPathException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.MALFORMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {".git", ".GIT", ".Git", ".git.", ".git ", ".git. .", "git~1", "GIT~1", ".davitkeep",
            ".davitprops", ".davitprops.x", ".DavitProps.x", ".DAVITKEEP", ".davit",
            // HFS+ ignorable code points together with an NTFS stream or trailing dots (Jazzer, PathFuzzTest)
            ".g\u200cit:co", ".G\u200cIT::$INDEX_ALLOCATION", ".g\u200cit. ", ".g\u200dit."})
    void reservedNamesAreForbidden(String segment) {
        assertThat(reasonOfSegment(segment)).as("segment '%s'", segment).isEqualTo(InvalidPathException.Reason.FORBIDDEN);
    }

    @Test
    void reservedNamesAreForbiddenAtAnyDepth() {
        assertThatThrownBy(() -> RepoPath.parse("docs/.git/config"))
                .isInstanceOfSatisfying(InvalidPathException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.FORBIDDEN));
        assertThatThrownBy(() -> RepoPath.parse("docs/.davitprops.a.txt"))
                .isInstanceOfSatisfying(InvalidPathException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.FORBIDDEN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", ".gitignore", ".github", "git~2", "x.git", ".git-x", ".davi", "davitkeep", "a b", "ü", "日本語",
            "emoji\uD83D\uDE00", "...", ".a", "a."})
    void ordinaryNamesAreAccepted(String segment) throws Exception {
        assertThat(RepoPath.validateSegment(segment)).isEqualTo(segment);
    }

    @Test
    void nfdIsNormalisedToNfc() throws Exception {
        String nfd = "Cafe\u0301";
        String nfc = "Caf\u00e9";
        RepoPath p = RepoPath.parse("docs/" + nfd + "/x.txt");
        assertThat(p.segments()).containsExactly("docs", nfc, "x.txt");
        assertThat(p).isEqualTo(RepoPath.parse("docs/" + nfc + "/x.txt"));
        assertThat(p.toString()).isEqualTo("docs/" + nfc + "/x.txt");
        assertThat(RepoPath.validateSegment(nfd)).isEqualTo(nfc);
        assertThat(RepoPath.of(List.of(nfd))).isEqualTo(RepoPath.of(List.of(nfc)));
    }

    @Test
    void segmentLengthIsLimitedTo255Utf8Bytes() throws Exception {
        String ascii255 = "a".repeat(255);
        assertThat(RepoPath.validateSegment(ascii255)).isEqualTo(ascii255);
        assertThat(reasonOfSegment("a".repeat(256))).isEqualTo(InvalidPathException.Reason.MALFORMED);
        // 128 two-byte characters: 128 chars but 256 bytes
        String twoByte = "\u00e9".repeat(128);
        assertThat(twoByte.getBytes(StandardCharsets.UTF_8)).hasSize(256);
        assertThat(reasonOfSegment(twoByte)).isEqualTo(InvalidPathException.Reason.MALFORMED);
        assertThat(RepoPath.validateSegment("\u00e9".repeat(127) + "a")).hasSize(128);
        // measured after NFC: 100 x (e + combining acute) is 300 bytes in NFD, 200 in NFC
        String nfd = "e\u0301".repeat(100);
        assertThat(nfd.getBytes(StandardCharsets.UTF_8)).hasSizeGreaterThan(255);
        assertThat(RepoPath.validateSegment(nfd)).isEqualTo("\u00e9".repeat(100));
        assertThatThrownBy(() -> RepoPath.parse("ok/" + "x".repeat(256)))
                .isInstanceOfSatisfying(InvalidPathException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPathException.Reason.MALFORMED));
    }

    @Test
    void unpairedSurrogatesAreMalformed() {
        assertThat(reasonOfSegment("a\uD83Db")).isEqualTo(InvalidPathException.Reason.MALFORMED);
        assertThat(reasonOfSegment("\uDE00")).isEqualTo(InvalidPathException.Reason.MALFORMED);
    }

    @Test
    void parseTrimsOneLeadingAndTrailingSlashAndEmptyIsRoot() throws Exception {
        assertThat(RepoPath.parse("")).isEqualTo(RepoPath.ROOT);
        assertThat(RepoPath.parse("/")).isEqualTo(RepoPath.ROOT);
        assertThat(RepoPath.ROOT.isRoot()).isTrue();
        assertThat(RepoPath.ROOT.toString()).isEmpty();
        assertThat(RepoPath.ROOT.name()).isEmpty();
        RepoPath p = RepoPath.parse("/a/b/c/");
        assertThat(p.segments()).containsExactly("a", "b", "c");
        assertThat(p.depth()).isEqualTo(3);
        assertThat(p.name()).isEqualTo("c");
        assertThat(p.toString()).isEqualTo("a/b/c");
        assertThat(p).isEqualTo(RepoPath.parse("a/b/c")).hasSameHashCodeAs(RepoPath.parse("a/b/c"));
    }

    @Test
    void parentAndChild() throws Exception {
        RepoPath p = RepoPath.parse("a/b/c");
        assertThat(p.parent()).isEqualTo(RepoPath.parse("a/b"));
        assertThat(p.parent().parent().parent()).isEqualTo(RepoPath.ROOT);
        assertThat(RepoPath.ROOT.parent()).isEqualTo(RepoPath.ROOT);
        assertThat(RepoPath.ROOT.child("a").child("b").child("c")).isEqualTo(p);
        assertThat(p.parent().child("c")).isEqualTo(p);
        assertThat(p.segments()).isUnmodifiable();
    }

    @Test
    void contains() throws Exception {
        RepoPath a = RepoPath.parse("a");
        RepoPath ab = RepoPath.parse("a/b");
        RepoPath abc = RepoPath.parse("a/b/c");
        assertThat(RepoPath.ROOT.contains(abc)).isTrue();
        assertThat(RepoPath.ROOT.contains(RepoPath.ROOT)).isTrue();
        assertThat(a.contains(a)).isTrue();
        assertThat(a.contains(abc)).isTrue();
        assertThat(ab.contains(abc)).isTrue();
        assertThat(abc.contains(ab)).isFalse();
        assertThat(a.contains(RepoPath.ROOT)).isFalse();
        // segment-wise, not a string prefix
        assertThat(a.contains(RepoPath.parse("ab"))).isFalse();
        assertThat(ab.contains(RepoPath.parse("a/bc/d"))).isFalse();
        assertThat(ab.contains(RepoPath.parse("x/a/b"))).isFalse();
    }

    @Test
    void rebase() throws Exception {
        RepoPath p = RepoPath.parse("a/b/c.txt");
        assertThat(p.rebase(RepoPath.parse("a"), RepoPath.parse("x/y"))).isEqualTo(RepoPath.parse("x/y/b/c.txt"));
        assertThat(p.rebase(RepoPath.parse("a/b"), RepoPath.ROOT)).isEqualTo(RepoPath.parse("c.txt"));
        assertThat(p.rebase(RepoPath.ROOT, RepoPath.parse("z"))).isEqualTo(RepoPath.parse("z/a/b/c.txt"));
        assertThat(p.rebase(p, RepoPath.parse("q"))).isEqualTo(RepoPath.parse("q"));
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
