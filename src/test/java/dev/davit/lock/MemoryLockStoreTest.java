package dev.davit.lock;

import java.time.Clock;

/** The shared lock store contract on the in-memory store. */
class MemoryLockStoreTest extends LockStoreContract {
    @Override
    protected LockStore newStore(Clock clock) {
        return new MemoryLockStore(clock);
    }
}
