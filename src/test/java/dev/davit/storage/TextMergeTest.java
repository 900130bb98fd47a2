package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The text three-way merge helper: clean, conflicting, binary. */
class TextMergeTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void editsOfDifferentLinesMergeCleanly() {
        MergeOutcome m = TextMerge.merge(b("a\nb\nc\n"), b("A\nb\nc\n"), b("a\nb\nC\n"));
        assertThat(m.kind()).isEqualTo(MergeOutcome.Kind.CLEAN);
        assertThat(new String(m.text(), StandardCharsets.UTF_8)).isEqualTo("A\nb\nC\n");
        assertThat(m.conflicts()).isEmpty();
    }

    @Test
    void editsOfTheSameLineConflict() {
        MergeOutcome m = TextMerge.merge(b("a\nb\nc\n"), b("a\nB1\nc\n"), b("a\nB2\nc\n"));
        assertThat(m.kind()).isEqualTo(MergeOutcome.Kind.CONFLICT);
        assertThat(m.conflicts()).hasSize(1);
        MergeOutcome.Conflict c = m.conflicts().get(0);
        assertThat(c.yours()).isEqualTo(new MergeOutcome.Hunk(2, 1, "B2\n"));
        assertThat(c.current()).isEqualTo(new MergeOutcome.Hunk(2, 1, "B1\n"));
        assertThat(new String(m.text(), StandardCharsets.UTF_8))
                .isEqualTo("a\n<<<<<<< yours\nB2\n=======\nB1\n>>>>>>> current\nc\n");
    }

    @Test
    void binaryNeverMerges() {
        MergeOutcome m = TextMerge.merge(b("a\n"), new byte[] {0, 1}, b("b\n"));
        assertThat(m.kind()).isEqualTo(MergeOutcome.Kind.BINARY);
        assertThat(m.text()).isNull();
        assertThat(TextMerge.isBinary(new byte[] {'x', 0})).isTrue();
        assertThat(TextMerge.isBinary(b("text"))).isFalse();
    }
}
