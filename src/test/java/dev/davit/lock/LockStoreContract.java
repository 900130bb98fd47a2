package dev.davit.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LockStore} has (RFC 4918 §6, §7): collisions between exclusive and shared
 * locks at a path and across a depth-infinity lock, what {@code covering}/{@code within} return,
 * get/refresh/remove/removeWithin, expiry on the store's clock, and separate repositories. Each
 * implementation extends this with {@link #newStore(Clock)}.
 */
public abstract class LockStoreContract {
    static final String REPO = "demo/sample";
    static final String OTHER_REPO = "demo/other";
    static final long TIMEOUT = 600;

    /** A clock the test moves by hand. */
    public static final class MutableClock extends Clock {
        private volatile Instant now;
        private final ZoneId zone;

        public MutableClock(Instant start) {
            this(start, ZoneOffset.UTC);
        }

        private MutableClock(Instant start, ZoneId zone) {
            this.now = start;
            this.zone = zone;
        }

        public void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId z) {
            return new MutableClock(now, z);
        }
    }

    protected MutableClock clock;
    protected LockStore store;

    /** A fresh, empty store that reads time from {@code clock}. */
    protected abstract LockStore newStore(Clock clock) throws Exception;

    @BeforeEach
    void setUpStore() throws Exception {
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        store = newStore(clock);
    }

    // ---- lock construction ----------------------------------------------------------------------

    protected Lock lock(String repo, String root, Lock.Scope scope, boolean infinite, String principal) {
        return new Lock("opaquelocktoken:" + UUID.randomUUID(), repo, root, scope, infinite, principal,
                "<D:href xmlns:D=\"DAV:\">mailto:" + principal + "@example.com</D:href>", TIMEOUT,
                clock.instant().plusSeconds(TIMEOUT), false);
    }

    protected Lock exclusive(String root, boolean infinite) {
        return lock(REPO, root, Lock.Scope.EXCLUSIVE, infinite, "alice");
    }

    protected Lock shared(String root, boolean infinite) {
        return lock(REPO, root, Lock.Scope.SHARED, infinite, "alice");
    }

    static List<String> tokens(List<Lock> locks) {
        return locks.stream().map(Lock::token).toList();
    }

    void assertCollides(Lock existing, Lock attempt) {
        assertThatThrownBy(() -> store.create(attempt))
                .isInstanceOf(LockConflictException.class)
                .satisfies(e -> assertThat(((LockConflictException) e).existing()).isEqualTo(existing));
        assertThat(store.get(REPO, attempt.token())).isEmpty();
    }

    // ---- collisions at one path -----------------------------------------------------------------

    @Test
    void createReturnsTheLockAndGetFindsIt() throws Exception {
        Lock l = exclusive("a.txt", false);
        assertThat(store.create(l)).isEqualTo(l);
        assertThat(store.get(REPO, l.token())).contains(l);
        assertThat(store.covering(REPO, "a.txt")).containsExactly(l);
    }

    @Test
    void exclusiveCollidesWithExclusiveAtTheSamePath() throws Exception {
        Lock first = store.create(exclusive("a.txt", false));
        assertCollides(first, lock(REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "bob"));
        // The same principal does not get a second exclusive lock either: a lock is per token, not per user.
        assertCollides(first, exclusive("a.txt", false));
        assertThat(store.covering(REPO, "a.txt")).containsExactly(first);
    }

    @Test
    void exclusiveCollidesWithShared() throws Exception {
        Lock first = store.create(exclusive("a.txt", false));
        assertCollides(first, shared("a.txt", false));
    }

    @Test
    void sharedCollidesWithExclusive() throws Exception {
        Lock first = store.create(shared("a.txt", false));
        assertCollides(first, exclusive("a.txt", false));
    }

    @Test
    void sharedAndSharedCoexist() throws Exception {
        Lock a = store.create(shared("a.txt", false));
        Lock b = store.create(lock(REPO, "a.txt", Lock.Scope.SHARED, false, "bob"));
        assertThat(store.covering(REPO, "a.txt")).containsExactlyInAnyOrder(a, b);
        assertThat(store.get(REPO, a.token())).contains(a);
        assertThat(store.get(REPO, b.token())).contains(b);
        // ...but an exclusive lock still collides with them.
        assertThatThrownBy(() -> store.create(exclusive("a.txt", false))).isInstanceOf(LockConflictException.class);
    }

    @Test
    void sharedInfinityAndSharedBelowCoexist() throws Exception {
        Lock top = store.create(shared("d", true));
        Lock below = store.create(shared("d/f.txt", false));
        assertThat(store.covering(REPO, "d/f.txt")).containsExactlyInAnyOrder(top, below);
    }

    @Test
    void locksOnDifferentPathsDoNotCollide() throws Exception {
        Lock a = store.create(exclusive("a.txt", false));
        Lock b = store.create(exclusive("b.txt", false));
        assertThat(store.covering(REPO, "a.txt")).containsExactly(a);
        assertThat(store.covering(REPO, "b.txt")).containsExactly(b);
    }

    // ---- depth ----------------------------------------------------------------------------------

    @Test
    void depthInfinityCoversEveryDescendant() throws Exception {
        Lock l = store.create(exclusive("d", true));
        assertThat(store.covering(REPO, "d")).containsExactly(l);
        assertThat(store.covering(REPO, "d/f.txt")).containsExactly(l);
        assertThat(store.covering(REPO, "d/e/g/h.txt")).containsExactly(l);
    }

    @Test
    void depthInfinityDoesNotCoverANameThatOnlySharesAPrefix() throws Exception {
        store.create(exclusive("d", true));
        assertThat(store.covering(REPO, "dd")).isEmpty();
        assertThat(store.covering(REPO, "d.txt")).isEmpty();
        assertThat(store.covering(REPO, "")).isEmpty();
        assertThat(store.create(exclusive("dd/x", false))).isNotNull();
    }

    @Test
    void aDepthInfinityLockOnTheRootCoversEverything() throws Exception {
        Lock l = store.create(exclusive("", true));
        assertThat(store.covering(REPO, "")).containsExactly(l);
        assertThat(store.covering(REPO, "a.txt")).containsExactly(l);
        assertThat(store.covering(REPO, "d/e/f")).containsExactly(l);
        assertCollides(l, exclusive("d/e/f", false));
    }

    @Test
    void aLockBelowADepthInfinityExclusiveLockCollides() throws Exception {
        Lock top = store.create(exclusive("d", true));
        assertCollides(top, lock(REPO, "d/e/f.txt", Lock.Scope.EXCLUSIVE, false, "bob"));
        assertCollides(top, lock(REPO, "d/e", Lock.Scope.SHARED, true, "bob"));
    }

    @Test
    void aDepthInfinityLockAboveAnExclusiveLockCollides() throws Exception {
        Lock below = store.create(exclusive("d/e/f.txt", false));
        assertCollides(below, lock(REPO, "d", Lock.Scope.EXCLUSIVE, true, "bob"));
        assertCollides(below, lock(REPO, "", Lock.Scope.SHARED, true, "bob"));
    }

    @Test
    void aDepthInfinitySharedLockAboveASharedLockCoexistsButNotAnExclusiveOne() throws Exception {
        Lock below = store.create(shared("d/f.txt", false));
        Lock top = store.create(lock(REPO, "d", Lock.Scope.SHARED, true, "bob"));
        assertThat(store.covering(REPO, "d/f.txt")).containsExactlyInAnyOrder(below, top);
        assertThatThrownBy(() -> store.create(exclusive("d", true))).isInstanceOf(LockConflictException.class);
    }

    @Test
    void aDepthZeroLockOnAFolderDoesNotCoverItsMembers() throws Exception {
        Lock folder = store.create(exclusive("d", false));
        assertThat(store.covering(REPO, "d")).containsExactly(folder);
        assertThat(store.covering(REPO, "d/f.txt")).isEmpty();
        assertThat(store.covering(REPO, "d/e/g")).isEmpty();
        // A member can be locked by someone else: the depth-0 lock protects the folder's own state only.
        Lock member = store.create(lock(REPO, "d/f.txt", Lock.Scope.EXCLUSIVE, false, "bob"));
        assertThat(store.covering(REPO, "d/f.txt")).containsExactly(member);
    }

    @Test
    void aDepthZeroLockOnAFolderStillCollidesAtTheFolderItself() throws Exception {
        Lock folder = store.create(exclusive("d", false));
        assertCollides(folder, lock(REPO, "d", Lock.Scope.EXCLUSIVE, true, "bob"));
        // A depth-infinity lock above covers the folder, so it collides too.
        assertCollides(folder, lock(REPO, "", Lock.Scope.EXCLUSIVE, true, "bob"));
    }

    // ---- covering / within ----------------------------------------------------------------------

    @Test
    void coveringListsTheLocksRootedAtThePathAndDepthInfinityLocksAbove() throws Exception {
        Lock root = store.create(shared("", true));
        Lock d = store.create(shared("d", true));
        Lock dZero = store.create(shared("d/e", false));
        Lock file = store.create(shared("d/e/f.txt", false));
        store.create(shared("x/y", true));
        assertThat(store.covering(REPO, "d/e/f.txt")).containsExactlyInAnyOrder(root, d, file);
        assertThat(store.covering(REPO, "d/e")).containsExactlyInAnyOrder(root, d, dZero);
        assertThat(store.covering(REPO, "d")).containsExactlyInAnyOrder(root, d);
        assertThat(store.covering(REPO, "x")).containsExactlyInAnyOrder(root);
    }

    @Test
    void withinListsTheLocksRootedAtOrBelowThePath() throws Exception {
        Lock root = store.create(shared("", true));
        Lock d = store.create(shared("d", false));
        Lock deep = store.create(shared("d/e/f.txt", false));
        Lock sibling = store.create(shared("dd/g.txt", false));
        assertThat(store.within(REPO, "d")).containsExactlyInAnyOrder(d, deep);
        assertThat(store.within(REPO, "d/e")).containsExactly(deep);
        assertThat(store.within(REPO, "d/e/f.txt")).containsExactly(deep);
        assertThat(store.within(REPO, "dd")).containsExactly(sibling);
        assertThat(store.within(REPO, "")).containsExactlyInAnyOrder(root, d, deep, sibling);
        assertThat(store.within(REPO, "nothing")).isEmpty();
    }

    @Test
    void withinDoesNotListADepthInfinityLockAbove() throws Exception {
        store.create(exclusive("d", true));
        assertThat(store.within(REPO, "d/e")).isEmpty();
    }

    // ---- get / refresh / remove -----------------------------------------------------------------

    @Test
    void getOfAnUnknownTokenIsEmpty() {
        assertThat(store.get(REPO, "opaquelocktoken:" + UUID.randomUUID())).isEmpty();
    }

    @Test
    void refreshMovesTheExpiryFromNowAndKeepsEverythingElse() throws Exception {
        Lock l = store.create(exclusive("a.txt", false));
        clock.advance(Duration.ofSeconds(500));
        Lock r = store.refresh(REPO, l.token(), 100).orElseThrow();
        assertThat(r.expires()).isEqualTo(clock.instant().plusSeconds(100));
        assertThat(r.timeoutSeconds()).isEqualTo(100);
        assertThat(r).usingRecursiveComparison().ignoringFields("expires", "timeoutSeconds").isEqualTo(l);
        assertThat(store.get(REPO, l.token())).contains(r);
        assertThat(store.covering(REPO, "a.txt")).containsExactly(r);

        // The refreshed lock outlives its original expiry.
        clock.advance(Duration.ofSeconds(99));
        assertThat(store.get(REPO, l.token())).contains(r);
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.get(REPO, l.token())).isEmpty();
    }

    @Test
    void refreshOfAnUnknownTokenIsEmpty() throws Exception {
        assertThat(store.refresh(REPO, "opaquelocktoken:" + UUID.randomUUID(), 100)).isEmpty();
    }

    @Test
    void removeEndsTheLockOnce() throws Exception {
        Lock l = store.create(exclusive("a.txt", false));
        assertThat(store.remove(REPO, l.token())).isTrue();
        assertThat(store.get(REPO, l.token())).isEmpty();
        assertThat(store.covering(REPO, "a.txt")).isEmpty();
        assertThat(store.remove(REPO, l.token())).isFalse();
        assertThat(store.create(lock(REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "bob"))).isNotNull();
    }

    @Test
    void removeOfOneSharedLockKeepsTheOther() throws Exception {
        Lock a = store.create(shared("a.txt", false));
        Lock b = store.create(lock(REPO, "a.txt", Lock.Scope.SHARED, false, "bob"));
        assertThat(store.remove(REPO, a.token())).isTrue();
        assertThat(store.covering(REPO, "a.txt")).containsExactly(b);
    }

    @Test
    void removeWithinEndsTheLocksAtAndBelowThePathOnly() throws Exception {
        Lock above = store.create(shared("", true));
        Lock d = store.create(shared("d", false));
        Lock deep = store.create(shared("d/e/f.txt", false));
        Lock prefix = store.create(shared("dd", false));
        Lock other = lock(OTHER_REPO, "d/e/f.txt", Lock.Scope.EXCLUSIVE, false, "alice");
        store.create(other);

        store.removeWithin(REPO, "d");

        assertThat(store.get(REPO, d.token())).isEmpty();
        assertThat(store.get(REPO, deep.token())).isEmpty();
        assertThat(store.get(REPO, above.token())).contains(above);
        assertThat(store.get(REPO, prefix.token())).contains(prefix);
        assertThat(store.get(OTHER_REPO, other.token())).contains(other);
        assertThat(store.within(REPO, "")).containsExactlyInAnyOrder(above, prefix);
    }

    @Test
    void removeWithinOfTheRootEndsEveryLockOfTheRepository() throws Exception {
        store.create(exclusive("a.txt", false));
        store.create(exclusive("d", true));
        Lock other = store.create(lock(OTHER_REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "alice"));
        store.removeWithin(REPO, "");
        assertThat(store.within(REPO, "")).isEmpty();
        assertThat(store.within(OTHER_REPO, "")).containsExactly(other);
    }

    @Test
    void removeWithinWithNothingThereIsHarmless() throws Exception {
        Lock l = store.create(exclusive("a.txt", false));
        store.removeWithin(REPO, "nothing");
        assertThat(store.get(REPO, l.token())).contains(l);
    }

    // ---- expiry ---------------------------------------------------------------------------------

    @Test
    void aLockIsActiveUntilItsExpiry() throws Exception {
        Lock l = store.create(exclusive("d", true));
        clock.advance(Duration.ofSeconds(TIMEOUT - 1));
        assertThat(store.get(REPO, l.token())).contains(l);
        assertThat(store.covering(REPO, "d/f")).containsExactly(l);
        assertThatThrownBy(() -> store.create(exclusive("d", false))).isInstanceOf(LockConflictException.class);
    }

    @Test
    void anExpiredLockDisappearsEverywhere() throws Exception {
        Lock l = store.create(exclusive("d", true));
        clock.advance(Duration.ofSeconds(TIMEOUT + 1));
        assertThat(store.get(REPO, l.token())).isEmpty();
        assertThat(store.covering(REPO, "d")).isEmpty();
        assertThat(store.covering(REPO, "d/f.txt")).isEmpty();
        assertThat(store.within(REPO, "")).isEmpty();
        assertThat(store.refresh(REPO, l.token(), 100)).isEmpty();
        assertThat(store.remove(REPO, l.token())).isFalse();
    }

    @Test
    void anExpiredLockNoLongerCollides() throws Exception {
        Lock old = store.create(exclusive("d", true));
        clock.advance(Duration.ofSeconds(TIMEOUT + 1));
        Lock fresh = store.create(lock(REPO, "d/f.txt", Lock.Scope.EXCLUSIVE, false, "bob"));
        Lock again = store.create(lock(REPO, "d", Lock.Scope.SHARED, false, "bob"));
        assertThat(store.covering(REPO, "d/f.txt")).containsExactly(fresh);
        assertThat(store.covering(REPO, "d")).containsExactly(again);
        assertThat(store.get(REPO, old.token())).isEmpty();
    }

    @Test
    void aLockIsGoneAtItsExpiryInstant() throws Exception {
        Lock l = store.create(exclusive("a.txt", false));
        clock.advance(Duration.ofSeconds(TIMEOUT));
        assertThat(store.get(REPO, l.token())).isEmpty();
        assertThat(store.covering(REPO, "a.txt")).isEmpty();
    }

    // ---- repositories ---------------------------------------------------------------------------

    @Test
    void repositoriesAreSeparate() throws Exception {
        Lock here = store.create(exclusive("d", true));
        Lock there = store.create(lock(OTHER_REPO, "d", Lock.Scope.EXCLUSIVE, true, "bob"));
        assertThat(store.covering(REPO, "d/f")).containsExactly(here);
        assertThat(store.covering(OTHER_REPO, "d/f")).containsExactly(there);
        assertThat(store.within(OTHER_REPO, "")).containsExactly(there);
        // A token is only valid in its own repository.
        assertThat(store.get(OTHER_REPO, here.token())).isEmpty();
        assertThat(store.refresh(OTHER_REPO, here.token(), 100)).isEmpty();
        assertThat(store.remove(OTHER_REPO, here.token())).isFalse();
        assertThat(store.get(REPO, here.token())).contains(here);
    }

    @Test
    void aRepositoryNameThatSharesAPrefixIsAnotherRepository() throws Exception {
        store.create(exclusive("a.txt", false));
        assertThat(store.covering("demo/sample2", "a.txt")).isEmpty();
        assertThat(store.create(lock("demo/sample2", "a.txt", Lock.Scope.EXCLUSIVE, false, "bob"))).isNotNull();
    }

    // ---- concurrency ----------------------------------------------------------------------------

    @Test
    void concurrentExclusiveLocksOnOnePathLetExactlyOneWin() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Lock attempt = lock(REPO, "race.txt", Lock.Scope.EXCLUSIVE, false, "user" + i);
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        store.create(attempt);
                        return true;
                    } catch (LockConflictException e) {
                        return false;
                    }
                }));
            }
            go.countDown();
            int won = 0;
            for (Future<Boolean> f : results) {
                if (f.get(10, TimeUnit.SECONDS)) {
                    won++;
                }
            }
            assertThat(won).isEqualTo(1);
            assertThat(store.covering(REPO, "race.txt")).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
