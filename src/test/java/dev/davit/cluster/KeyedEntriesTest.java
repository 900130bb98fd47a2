package dev.davit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.davit.storage.WriteKey;
import dev.davit.storage.log.CommitLog;
import dev.davit.storage.objects.NewObject;

/**
 * The log entries that carry keyed writes: a batch's keys travel in its own entry with their commits and the
 * leader's time, an entry without keys is written as it always was (so a Raft log written before reads back),
 * and a keyed answer is an entry of its own. Every field reads back as written.
 */
class KeyedEntriesTest {
    private static final ObjectId OLD = ObjectId.fromString("1111111111111111111111111111111111111111");
    private static final ObjectId NEW = ObjectId.fromString("2222222222222222222222222222222222222222");

    private static CommitLog.Record record() {
        byte[] blob = "hello".getBytes(StandardCharsets.UTF_8);
        ObjectId id = new org.eclipse.jgit.lib.ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, blob);
        return new CommitLog.Record("refs/heads/main", OLD, NEW, List.of(NewObject.of(id, Constants.OBJ_BLOB, blob, 0, blob.length)));
    }

    private static int magic(byte[] data) {
        return java.nio.ByteBuffer.wrap(data, 0, 4).getInt();
    }

    @Test
    void aBatchWithoutKeysIsWrittenAsBefore() throws IOException {
        byte[] data = new ReplicatedEntry("o", "r", record()).encode();

        assertThat(magic(data)).as("\"DVR1\"").isEqualTo(0x44565231);
        ReplicatedEntry back = ReplicatedEntry.decode(data);
        assertThat(back.keys()).isEmpty();
        assertThat(back.record().newHead()).isEqualTo(NEW);
        assertThat(back.record().objects().get(0).bytes()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBatchCarriesTheKeysOfItsKeyedWritesWithTheirCommitsAndTheLeadersTime() throws IOException {
        WriteKey.Commit one = new WriteKey.Commit(new WriteKey("alice\no/r\nk-1", "PUT /a\nabc"), NEW);
        WriteKey.Commit two = new WriteKey.Commit(new WriteKey("bob\no/r\nk-\u00e9", "DELETE /b\ndef"), OLD);

        ReplicatedEntry back = ReplicatedEntry.decode(new ReplicatedEntry("o", "r", record(), List.of(one, two), 1_700_000_000_123L).encode());

        assertThat(back.keys()).containsExactly(one, two);
        assertThat(back.stampMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(back.owner()).isEqualTo("o");
        assertThat(back.name()).isEqualTo("r");
        assertThat(back.record().oldHead()).isEqualTo(OLD);
        assertThat(back.record().objects()).hasSize(1);
    }

    @Test
    void aBatchNamesTheLargeBlobsOutsideItsRecordWithOrWithoutKeys() throws IOException {
        ObjectId big = ObjectId.fromString("3333333333333333333333333333333333333333");
        ObjectId bigger = ObjectId.fromString("4444444444444444444444444444444444444444");
        WriteKey.Commit one = new WriteKey.Commit(new WriteKey("alice\no/r\nk-1", "PUT /a\nabc"), NEW);

        byte[] data = new ReplicatedEntry("o", "r", record(), List.of(), 7, List.of(big, bigger)).encode();
        ReplicatedEntry back = ReplicatedEntry.decode(data);
        ReplicatedEntry keyed = ReplicatedEntry.decode(new ReplicatedEntry("o", "r", record(), List.of(one), 8, List.of(big)).encode());

        assertThat(magic(data)).as("\"DVR3\"").isEqualTo(0x44565233);
        assertThat(back.outside()).containsExactly(big, bigger);
        assertThat(back.keys()).isEmpty();
        assertThat(back.record().objects()).hasSize(1);
        assertThat(keyed.outside()).containsExactly(big);
        assertThat(keyed.keys()).containsExactly(one);
        assertThat(keyed.stampMillis()).isEqualTo(8);
        assertThat(ReplicatedEntry.decode(new ReplicatedEntry("o", "r", record()).encode()).outside()).isEmpty();
    }

    /**
     * A batch that rewrote a big folder's tree carries it as a delta of the version it replaced ("DVR4"), with
     * its keys and outside blobs; a node finds the base in its own repository (issue 12's log records, issue 17's
     * entries: a tree of a few hundred KB per write was replicated whole).
     */
    @Test
    void aRewrittenTreeTravelsAsADeltaOfTheVersionItReplaced() throws IOException {
        org.eclipse.jgit.lib.TreeFormatter before = new org.eclipse.jgit.lib.TreeFormatter();
        org.eclipse.jgit.lib.TreeFormatter after = new org.eclipse.jgit.lib.TreeFormatter();
        for (int i = 0; i < 3000; i++) {
            before.append(String.format("f%05d", i), org.eclipse.jgit.lib.FileMode.REGULAR_FILE, OLD);
            after.append(String.format("f%05d", i), org.eclipse.jgit.lib.FileMode.REGULAR_FILE, i == 1500 ? NEW : OLD);
        }
        byte[] base = before.toByteArray();
        byte[] tree = after.toByteArray();
        org.eclipse.jgit.lib.ObjectInserter.Formatter ids = new org.eclipse.jgit.lib.ObjectInserter.Formatter();
        ObjectId baseId = ids.idFor(Constants.OBJ_TREE, base);
        ObjectId treeId = ids.idFor(Constants.OBJ_TREE, tree);
        NewObject rewritten = new NewObject(treeId, Constants.OBJ_TREE, tree, baseId,
                dev.davit.storage.objects.KnownDeltas.delta(base, tree));
        CommitLog.Record record = new CommitLog.Record("refs/heads/main", OLD, NEW, List.of(rewritten));
        WriteKey.Commit one = new WriteKey.Commit(new WriteKey("alice\no/r\nk-1", "PUT /a\nabc"), NEW);
        ObjectId big = ObjectId.fromString("3333333333333333333333333333333333333333");

        byte[] data = new ReplicatedEntry("o", "r", record, List.of(one), 9, List.of(big)).encode();

        assertThat(magic(data)).as("\"DVR4\"").isEqualTo(0x44565234);
        assertThat(data.length).as("the entry holds the delta, not the %d-byte tree", tree.length).isLessThan(500);
        String[] asked = new String[1];
        ReplicatedEntry back = ReplicatedEntry.decode(data, (owner, name) -> id -> {
            asked[0] = owner + "/" + name;
            return id.equals(baseId) ? base : null;
        });
        assertThat(asked[0]).isEqualTo("o/r");
        assertThat(back.record().objects()).singleElement().satisfies(o -> {
            assertThat(o.id()).isEqualTo(treeId);
            assertThat(o.bytes()).isEqualTo(tree);
        });
        assertThat(back.keys()).containsExactly(one);
        assertThat(back.outside()).containsExactly(big);
        assertThat(back.stampMillis()).isEqualTo(9);
        assertThatThrownBy(() -> ReplicatedEntry.decode(data)).as("a base nowhere is an error, never a guess")
                .isInstanceOf(CommitLog.MissingBaseException.class).hasMessageContaining(baseId.name());
        // What the state machine reads of such an entry to tell whether the head has moved past it (then it is
        // stale whatever its objects are, and a replay after a restart must not stop the node for a base a
        // repack dropped): its heads and keys, without its objects.
        ReplicatedEntry heads = ReplicatedEntry.decodeWithoutObjects(data);
        assertThat(heads.record().oldHead()).isEqualTo(OLD);
        assertThat(heads.record().newHead()).isEqualTo(NEW);
        assertThat(heads.record().objects()).isEmpty();
        assertThat(heads.keys()).containsExactly(one);
    }

    @Test
    void aKeyedAnswerIsAnEntryOfItsOwn() throws IOException {
        WriteKey key = new WriteKey("alice\no/r\nk-1", "PUT /a\nabc");
        byte[] data = new AnswerEntry(key, new byte[] {1, 2, 3}, 42).encode();

        assertThat(AnswerEntry.isOne(data)).isTrue();
        assertThat(LockEntry.isOne(data)).isFalse();
        AnswerEntry back = AnswerEntry.decode(data);
        assertThat(back.key()).isEqualTo(key);
        assertThat(back.answer()).containsExactly(1, 2, 3);
        assertThat(back.stampMillis()).isEqualTo(42);
    }

    @Test
    void aTruncatedEntryIsRefusedNeverMisread() throws IOException {
        byte[] data = new AnswerEntry(new WriteKey("k", "f"), new byte[100], 1).encode();
        byte[] cut = java.util.Arrays.copyOf(data, data.length - 50);

        assertThatThrownBy(() -> AnswerEntry.decode(cut)).isInstanceOf(IOException.class);
    }
}
