package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode's memory of keyed writes as the log's entries fill it: every attempt of the same request that
 * reached the log is remembered (one of them may have been refused), another request under the key replaces
 * them, and the oldest key applied goes first past the bound.
 */
class KeyedWritesTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static ObjectId id(int n) {
        return ObjectId.fromString(String.format("%040x", n));
    }

    @Test
    void attemptsOfTheSameRequestAreAllRememberedOldestFirst() {
        KeyedWrites k = new KeyedWrites();
        WriteKey key = new WriteKey("alice\no/r\nk", "PUT /a\n1");
        k.committed(key, id(1), T);
        k.committed(key, id(2), T.plusSeconds(1));

        KeyedWrites.Outcome o = k.get("alice\no/r\nk");
        assertThat(o.commits()).containsExactly(id(1), id(2));
        assertThat(o.fingerprint()).isEqualTo("PUT /a\n1");
        assertThat(o.at()).isEqualTo(T.plusSeconds(1));
        assertThat(o.answer()).isNull();
    }

    @Test
    void anAnswerKeepsTheCommitsOfTheSameRequestAndAnotherRequestReplacesThem() {
        KeyedWrites k = new KeyedWrites();
        WriteKey key = new WriteKey("k", "PUT /a\n1");
        k.committed(key, id(1), T);
        k.answered(key, new byte[] {7}, T);
        assertThat(k.get("k").commits()).containsExactly(id(1));
        assertThat(k.get("k").answer()).containsExactly(7);

        k.committed(new WriteKey("k", "PUT /a\n2"), id(3), T);
        assertThat(k.get("k").commits()).containsExactly(id(3));
        assertThat(k.get("k").answer()).isNull();
        assertThat(k.get("k").fingerprint()).isEqualTo("PUT /a\n2");
    }

    @Test
    void theSameRequestAfterTheKeyWasKeptLongEnoughStartsAfresh() {
        KeyedWrites k = new KeyedWrites();
        WriteKey key = new WriteKey("k", "PUT /a\n1");
        k.committed(key, id(1), T);
        k.answered(key, new byte[] {7}, T.plus(KeyedWrites.KEEP).plusSeconds(1));
        assertThat(k.get("k").commits()).as("the commit of a day before is not this attempt's").isEmpty();

        k.committed(key, id(2), T.plus(KeyedWrites.KEEP).plus(KeyedWrites.KEEP).plusSeconds(2));
        assertThat(k.get("k").commits()).containsExactly(id(2));
        assertThat(k.get("k").answer()).isNull();
    }

    @Test
    void pastTheBoundTheKeyAppliedLongestAgoGoesFirst() {
        KeyedWrites k = new KeyedWrites();
        for (int i = 0; i < KeyedWrites.MAX_ENTRIES; i++) {
            k.committed(new WriteKey("k" + i, "f"), id(i + 1), T);
        }
        k.committed(new WriteKey("k0", "f"), id(5000), T); // applied again: the youngest now
        k.committed(new WriteKey("new", "f"), id(5001), T);

        assertThat(k.get("k0")).isNotNull();
        assertThat(k.get("k1")).as("the oldest applied").isNull();
        assertThat(k.get("k2")).isNotNull();
        assertThat(k.get("new")).isNotNull();
    }
}
