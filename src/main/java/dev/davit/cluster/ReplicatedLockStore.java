package dev.davit.cluster;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.davit.lock.Lock;
import dev.davit.lock.LockConflictException;
import dev.davit.lock.LockStore;
import dev.davit.lock.MemoryLockStore;
import dev.davit.storage.NotCommittedException;

/**
 * Cluster mode's WebDAV locks: every change (LOCK, refresh, UNLOCK, the end of locks under a deleted or moved
 * path) is an entry of the replicated log, committed on a majority and applied on every node in log order; so
 * a lock taken through any node is enforced by the leader, whichever node that is, and survives the loss of
 * the node it was taken on. Each node holds the locks in memory and rebuilds them at start from its last Raft
 * snapshot ({@link #state}, {@link #restore}) and the log after it, so no lock file is written in cluster mode.
 *
 * <p>Time: an entry carries the leader's time when it was made, and every node applies it as of that time
 * (never its own clock), so every node drops the same expired locks and computes the same expiry of a refresh.
 * Reads answer by this node's clock: a lock whose absolute expiry has passed is not returned.
 */
final class ReplicatedLockStore implements LockStore {
    /** The locks as of the last applied entry; changed only by {@link #apply} and {@link #restore}. */
    private final AppliedLocks applied;
    private final EntryClock entryClock;
    private final Clock clock;
    private ClusterNode node;
    /** Outcomes awaited by this node's own requests, by entry id. */
    private final Map<String, CompletableFuture<Object>> awaited = new ConcurrentHashMap<>();

    /** The time of the entry being applied: only moves forward, so a leader whose clock is behind cannot revive a lock. */
    private static final class EntryClock extends Clock {
        private volatile Instant now = Instant.EPOCH;

        synchronized void advanceTo(Instant t) {
            if (t.isAfter(now)) {
                now = t;
            }
        }

        synchronized void set(Instant t) {
            now = t;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        /** The same entries' time, shown in {@code zone} (a lock's expiry is an instant: the zone changes nothing). */
        @Override
        public Clock withZone(ZoneId zone) {
            EntryClock entries = this;
            return new Clock() {
                @Override
                public Instant instant() {
                    return entries.instant();
                }

                @Override
                public ZoneId getZone() {
                    return zone;
                }

                @Override
                public Clock withZone(ZoneId other) {
                    return entries.withZone(other);
                }
            };
        }
    }

    /** The applied locks, every one of which a snapshot saves and restores (expired ones too: they go as on every node). */
    private static final class AppliedLocks extends MemoryLockStore {
        AppliedLocks(Clock clock) {
            super(clock);
        }

        synchronized List<Lock> all() {
            return List.copyOf(locks.values());
        }

        synchronized void replaceAll(List<Lock> restored) {
            locks.clear();
            for (Lock l : restored) {
                locks.put(l.token(), l);
            }
        }
    }

    /** The locks as a snapshot holds them: the time of the last entry applied, and every lock it left. */
    record State(long entryTimeMillis, List<Lock> locks) {
    }

    ReplicatedLockStore(Clock clock) {
        this.clock = clock;
        this.entryClock = new EntryClock();
        this.applied = new AppliedLocks(entryClock);
    }

    /** The state as of the last applied entry (the state machine's thread, between entries). */
    State state() {
        return new State(entryClock.instant().toEpochMilli(), applied.all());
    }

    /** Replaces the state with a snapshot's (the state machine's thread, before it applies the entries after it). */
    void restore(State s) {
        entryClock.set(Instant.ofEpochMilli(s.entryTimeMillis()));
        applied.replaceAll(s.locks());
    }

    /** Set once by the node, before its Raft server starts. */
    void node(ClusterNode n) {
        this.node = n;
    }

    private boolean active(Lock l) {
        return l.expires().isAfter(clock.instant());
    }

    @Override
    public List<Lock> covering(String repository, String path) {
        return applied.covering(repository, path).stream().filter(this::active).toList();
    }

    @Override
    public List<Lock> within(String repository, String path) {
        return applied.within(repository, path).stream().filter(this::active).toList();
    }

    @Override
    public Optional<Lock> get(String repository, String token) {
        return applied.get(repository, token).filter(this::active);
    }

    @Override
    public int countHeldBy(String principal) {
        // As of the last entry: locks that expired since count until the next entry drops them (a limit, not a right).
        return applied.countHeldBy(principal);
    }

    @Override
    public Lock create(Lock lock) throws LockConflictException, IOException {
        Object outcome = submit(new LockEntry(LockEntry.Op.CREATE, UUID.randomUUID().toString(), clock.millis(), lock,
                lock.repository(), lock.token(), lock.timeoutSeconds()));
        if (outcome instanceof LockConflictException e) {
            throw new LockConflictException(e.existing()); // thrown anew: this thread's stack, not the applier's
        }
        return (Lock) outcome;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Lock> refresh(String repository, String token, long timeoutSeconds) throws IOException {
        if (get(repository, token).isEmpty()) {
            return Optional.empty();
        }
        return (Optional<Lock>) submit(new LockEntry(LockEntry.Op.REFRESH, UUID.randomUUID().toString(), clock.millis(), null,
                repository, token, timeoutSeconds));
    }

    @Override
    public boolean remove(String repository, String token) throws IOException {
        if (get(repository, token).isEmpty()) {
            return false;
        }
        return (Boolean) submit(new LockEntry(LockEntry.Op.REMOVE, UUID.randomUUID().toString(), clock.millis(), null,
                repository, token, 0));
    }

    @Override
    public void removeWithin(String repository, String path) throws IOException {
        if (applied.within(repository, path).isEmpty()) {
            return; // nothing to end: no entry (every DELETE and MOVE calls this)
        }
        submit(new LockEntry(LockEntry.Op.REMOVE_WITHIN, UUID.randomUUID().toString(), clock.millis(), null, repository, path, 0));
    }

    private Object submit(LockEntry entry) throws IOException {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        awaited.put(entry.id(), outcome);
        try {
            node.submit(entry.encode());
            // The reply comes after this node applied the entry (Ratis answers once the state machine has).
            Object o = outcome.getNow(null);
            if (o == null) {
                throw new NotCommittedException("the cluster committed this lock change, but not on this node");
            }
            return o;
        } finally {
            awaited.remove(entry.id());
        }
    }

    /** Applies a committed entry, on every node in log order (the state machine's thread). */
    void apply(LockEntry e) throws IOException {
        entryClock.advanceTo(Instant.ofEpochMilli(e.stampMillis()));
        Object outcome;
        switch (e.op()) {
            case CREATE -> {
                Object o;
                try {
                    o = applied.create(e.lock());
                } catch (LockConflictException c) {
                    o = c;
                }
                outcome = o;
            }
            case REFRESH -> outcome = applied.refresh(e.repository(), e.pathOrToken(), e.timeoutSeconds());
            case REMOVE -> outcome = applied.remove(e.repository(), e.pathOrToken());
            case REMOVE_WITHIN -> {
                applied.removeWithin(e.repository(), e.pathOrToken());
                outcome = Boolean.TRUE;
            }
            default -> throw new IOException("unknown lock entry " + e.op());
        }
        CompletableFuture<Object> f = awaited.get(e.id());
        if (f != null) {
            f.complete(outcome);
        }
    }
}
