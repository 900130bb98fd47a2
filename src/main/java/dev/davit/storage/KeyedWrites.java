package dev.davit.storage;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;

/**
 * Cluster mode's memory of keyed writes ({@link WriteKey}), the same on every node: each entry of the
 * replicated log that carries keys, or a keyed answer, is applied here on every node in the log's order, as of
 * the leader's time when it was made; a node rebuilds it from the log at start. A front end asks it, on the
 * node that leads, whether a key was seen: with the commit its write made, or with the answer it got when it
 * made none (a refusal, a write that changed nothing).
 *
 * <p>Bounded: the last {@value #MAX_ENTRIES} keys, the oldest applied dropped first. Every node applies the
 * same entries in the same order and looking up changes nothing, so every node drops the same keys.
 * Thread-safe.
 */
public final class KeyedWrites {
    /** As many keys as the single node's in-memory store of answers keeps. */
    public static final int MAX_ENTRIES = 1024;

    /** How many commits one key remembers (attempts of the same request that each reached the log). */
    static final int MAX_COMMITS_PER_KEY = 8;
    /** How long a key stands for its request (as on a single node): an entry later than that starts afresh. */
    public static final Duration KEEP = Duration.ofHours(24);

    /**
     * What the log says of a key.
     *
     * @param commits the commits its request's writes made, oldest first: more than one when an attempt whose
     *                answer was a 503 reached the log all the same, and so did the next attempt; a commit of a
     *                record the log refused (built on a head another leader had replaced) is named too, so the
     *                front end takes only one that is in the history
     * @param answer  the answer kept when an attempt made no commit (the front end's bytes), or null
     * @param at      the leader's time of the newest entry about the key
     */
    public record Outcome(String fingerprint, List<ObjectId> commits, byte[] answer, Instant at) {
    }

    private volatile CommitPoint commitPoint;
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Outcome> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    void commitPoint(CommitPoint c) {
        this.commitPoint = c;
    }

    /**
     * Commits the answer to a keyed write that made no commit through the replicated log; returns once this
     * node applied it ({@link #answered}).
     *
     * @throws NotCommittedException when the log did not commit it
     */
    public void commitAnswer(WriteKey key, byte[] answer) throws IOException {
        CommitPoint c = commitPoint;
        if (c == null) {
            throw new IllegalStateException("keyed answers are replicated in cluster mode only");
        }
        c.commitAnswer(key, answer);
    }

    /** Applies a committed entry's key: its write made {@code commit}. */
    public synchronized void committed(WriteKey key, ObjectId commit, Instant at) {
        Outcome old = current(key, at);
        List<ObjectId> commits = new ArrayList<>();
        byte[] answer = null;
        if (old != null) {
            commits.addAll(old.commits());
            answer = old.answer();
        }
        commits.add(commit.copy());
        if (commits.size() > MAX_COMMITS_PER_KEY) {
            commits.remove(0);
        }
        put(key.id(), new Outcome(key.fingerprint(), List.copyOf(commits), answer, at));
    }

    /** Applies a committed entry's answer to a keyed write that made no commit. */
    public synchronized void answered(WriteKey key, byte[] answer, Instant at) {
        Outcome old = current(key, at);
        // The commits of the same request stay: one of them in the history is what its key stands for.
        List<ObjectId> commits = old != null ? old.commits() : List.of();
        put(key.id(), new Outcome(key.fingerprint(), commits, answer.clone(), at));
    }

    /** The key's outcome that an entry at {@code at} adds to: the same request's, still kept; else null. */
    private Outcome current(WriteKey key, Instant at) {
        Outcome old = outcomes.get(key.id());
        return old != null && old.fingerprint().equals(key.fingerprint()) && !old.at().plus(KEEP).isBefore(at) ? old : null;
    }

    private void put(String id, Outcome o) {
        outcomes.remove(id); // the newest entry of a key is the youngest in the order of eviction
        outcomes.put(id, o);
    }

    /** One key and what the log says of it, for a snapshot. */
    public record Kept(String id, Outcome outcome) {
    }

    /** Every key held, the oldest applied first (the order of eviction): what a Raft snapshot keeps. */
    public synchronized List<Kept> state() {
        List<Kept> out = new ArrayList<>(outcomes.size());
        outcomes.forEach((id, o) -> out.add(new Kept(id, o)));
        return out;
    }

    /** Takes a snapshot's keys (from {@link #state}) in place of those held. */
    public synchronized void restore(List<Kept> kept) {
        outcomes.clear();
        for (Kept k : kept) {
            put(k.id(), k.outcome());
        }
    }

    /** What the log says of key {@code id}, or null. */
    public synchronized Outcome get(String id) {
        return outcomes.get(id);
    }
}
