package dev.davit.lock;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Locks in memory only: lost on restart. The base of {@link FileLockStore}; used alone in tests. */
public class MemoryLockStore implements LockStore {
    protected final Clock clock;
    /** token → lock; all access under {@code this}. */
    protected final Map<String, Lock> locks = new LinkedHashMap<>();

    public MemoryLockStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized List<Lock> covering(String repository, String path) {
        List<Lock> out = new ArrayList<>();
        for (Lock l : active()) {
            if (l.repository().equals(repository) && l.covers(path)) {
                out.add(l);
            }
        }
        return out;
    }

    @Override
    public synchronized List<Lock> within(String repository, String path) {
        List<Lock> out = new ArrayList<>();
        for (Lock l : active()) {
            if (l.repository().equals(repository) && (l.root().equals(path) || Lock.isBelow(l.root(), path))) {
                out.add(l);
            }
        }
        return out;
    }

    @Override
    public synchronized Lock create(Lock lock) throws LockConflictException, IOException {
        for (Lock l : active()) {
            if (!l.repository().equals(lock.repository())) {
                continue;
            }
            boolean overlap = l.covers(lock.root()) || lock.covers(l.root());
            if (overlap && (l.scope() == Lock.Scope.EXCLUSIVE || lock.scope() == Lock.Scope.EXCLUSIVE)) {
                throw new LockConflictException(l);
            }
        }
        locks.put(lock.token(), lock);
        changed();
        return lock;
    }

    @Override
    public synchronized int countHeldBy(String principal) {
        int n = 0;
        for (Lock l : active()) {
            if (l.principal().equals(principal)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public synchronized Optional<Lock> get(String repository, String token) {
        Lock l = locks.get(token);
        return l != null && l.repository().equals(repository) && isActive(l) ? Optional.of(l) : Optional.empty();
    }

    @Override
    public synchronized Optional<Lock> refresh(String repository, String token, long timeoutSeconds) throws IOException {
        Optional<Lock> l = get(repository, token);
        if (l.isEmpty()) {
            return l;
        }
        Lock refreshed = l.get().withExpiry(timeoutSeconds, clock.instant().plusSeconds(timeoutSeconds));
        locks.put(token, refreshed);
        changed();
        return Optional.of(refreshed);
    }

    @Override
    public synchronized boolean remove(String repository, String token) throws IOException {
        Optional<Lock> l = get(repository, token);
        if (l.isEmpty()) {
            return false;
        }
        locks.remove(token);
        changed();
        return true;
    }

    @Override
    public synchronized void removeWithin(String repository, String path) throws IOException {
        boolean any = locks.values().removeIf(l -> l.repository().equals(repository)
                && (l.root().equals(path) || Lock.isBelow(l.root(), path)));
        if (any) {
            changed();
        }
    }

    /** Active locks; expired ones are dropped on the way. Call with the monitor held. */
    protected Collection<Lock> active() {
        Instant now = clock.instant();
        locks.values().removeIf(l -> !l.expires().isAfter(now));
        return locks.values();
    }

    private boolean isActive(Lock l) {
        return l.expires().isAfter(clock.instant());
    }

    /** Called with the monitor held after every change; the file store persists here. */
    protected void changed() throws IOException {
    }
}
