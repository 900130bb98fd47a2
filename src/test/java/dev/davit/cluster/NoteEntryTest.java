package dev.davit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** A front end's note as a log entry: told apart from every other entry, read back whole, refused when cut. */
class NoteEntryTest {
    @Test
    void aNoteReadsBackWithItsRepositoryAndKind() throws IOException {
        byte[] data = new NoteEntry("demo", "sample", "dav.client-metadata", new byte[] {4, 5, 6}).encode();

        assertThat(NoteEntry.isOne(data)).isTrue();
        assertThat(SideEntry.isOne(data) || AnswerEntry.isOne(data) || LockEntry.isOne(data)).isFalse();
        NoteEntry back = NoteEntry.decode(data);
        assertThat(back.owner()).isEqualTo("demo");
        assertThat(back.name()).isEqualTo("sample");
        assertThat(back.kind()).isEqualTo("dav.client-metadata");
        assertThat(back.note()).containsExactly(4, 5, 6);
    }

    @Test
    void aCutNoteIsRefused() throws IOException {
        byte[] data = new NoteEntry("o", "r", "k", new byte[64]).encode();

        assertThatThrownBy(() -> NoteEntry.decode(java.util.Arrays.copyOf(data, data.length - 10))).isInstanceOf(IOException.class);
    }
}
