package dev.davit.lock;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where locks live. Expired locks are never returned. Implementations are thread-safe, and
 * {@link #create} checks for collisions and stores atomically. Every implementation passes the shared
 * contract suite ({@code LockStoreContract} in the tests).
 */
public interface LockStore {
    /** Locks of {@code repository} that apply to {@code path} (rooted there, or depth-infinity above it). */
    List<Lock> covering(String repository, String path);

    /** Locks of {@code repository} rooted at {@code path} or anywhere below it. */
    List<Lock> within(String repository, String path);

    /**
     * Stores {@code lock} unless it collides with a lock it would cover or that covers it: any exclusive
     * lock on either side is a collision; shared locks live together (RFC 4918 §6.2).
     */
    Lock create(Lock lock) throws LockConflictException, IOException;

    /** The lock with this token, if it is still active. */
    Optional<Lock> get(String repository, String token);

    /** Extends a lock's life; empty when there is no such active lock. */
    Optional<Lock> refresh(String repository, String token, long timeoutSeconds) throws IOException;

    /** Ends a lock; false when there was no such active lock. */
    boolean remove(String repository, String token) throws IOException;

    /** How many active locks {@code principal} holds, in all repositories. */
    int countHeldBy(String principal);

    /** Ends every lock rooted at or below {@code path} (after a DELETE or MOVE of it). */
    void removeWithin(String repository, String path) throws IOException;
}
