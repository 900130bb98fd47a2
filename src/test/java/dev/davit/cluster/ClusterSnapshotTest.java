package dev.davit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.davit.storage.KeyedWrites;
import dev.davit.storage.WriteKey;

/** The snapshot file: what a node restarts from once the log before it is gone. */
class ClusterSnapshotTest {
    private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");
    private static final ObjectId C2 = ObjectId.fromString("2222222222222222222222222222222222222222");

    @Test
    void theIdempotencyKeysComeBackFromTheSnapshotInTheirOrder() throws IOException {
        KeyedWrites keys = new KeyedWrites();
        Instant t = Instant.parse("2026-12-07T02:00:00.123456789Z");
        keys.committed(new WriteKey("alice\no/r\nk-1", "PUT /a.txt\nabc"), C1, t);
        keys.committed(new WriteKey("alice\no/r\nk-1", "PUT /a.txt\nabc"), C2, t.plusSeconds(1));
        keys.answered(new WriteKey("bob\no/r\nk-2", "DELETE /b.txt\n"), "{\"message\":\"no\"}".getBytes(), t.plusSeconds(2));

        ClusterSnapshot s = new ClusterSnapshot(3, 42, new ReplicatedLockStore.State(7, List.of()), List.of("o/r"), keys.state());
        ClusterSnapshot back = ClusterSnapshot.decode(s.encode());

        assertThat(back.index()).isEqualTo(42);
        assertThat(back.repositories()).containsExactly("o/r");
        KeyedWrites restored = new KeyedWrites();
        restored.restore(back.keys());
        KeyedWrites.Outcome a = restored.get("alice\no/r\nk-1");
        assertThat(a).as("k-1 after the snapshot").isNotNull();
        assertThat(a.fingerprint()).isEqualTo("PUT /a.txt\nabc");
        assertThat(a.commits()).containsExactly(C1, C2);
        assertThat(a.answer()).isNull();
        assertThat(a.at()).isEqualTo(t.plusSeconds(1));
        KeyedWrites.Outcome b = restored.get("bob\no/r\nk-2");
        assertThat(b.commits()).isEmpty();
        assertThat(new String(b.answer())).isEqualTo("{\"message\":\"no\"}");
        assertThat(restored.state()).extracting(KeyedWrites.Kept::id).containsExactly("alice\no/r\nk-1", "bob\no/r\nk-2");
    }

    @Test
    void aDamagedSnapshotIsRefused() throws IOException {
        KeyedWrites keys = new KeyedWrites();
        keys.committed(new WriteKey("k", "f"), C1, Instant.EPOCH);
        byte[] bytes = new ClusterSnapshot(1, 2, new ReplicatedLockStore.State(0, List.of()), List.of(), keys.state()).encode();
        bytes[bytes.length / 2] ^= 1;
        assertThatThrownBy(() -> ClusterSnapshot.decode(bytes)).isInstanceOf(IOException.class).hasMessageContaining("damaged");
    }
}
