package dev.davit.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications counted per client address and per user name (issue 14). The first
 * {@code freeFailures} of a key cost nothing; each further one makes the key wait a growing time before
 * its next check (firstDelay, then doubled, up to maxDelay). An attempt within the wait is answered 429
 * with {@code Retry-After} and never reaches a password check, so guessing costs the guesser, not the
 * server's CPU. The wait is a time to come back, never a sleep: a sleeping request would hold one of
 * Jetty's threads, which is exactly what a guesser wants to take.
 *
 * <p>Unknown user names are counted like known ones, so the 429 says nothing about which names exist. A
 * key is forgotten after {@code maxDelay} without failures. Any credential check (password or token)
 * reports here, so every scheme shares the same limit. Thread-safe.
 */
public final class FailedLoginLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(FailedLoginLimiter.class);
    /** Bounds memory against guessers who vary names or addresses; past it, expired keys are dropped first. */
    static final int MAX_KEYS = 100_000;
    /** User names are counted by their first characters only: a 10 KB name must not cost 10 KB of memory. */
    private static final int MAX_NAME_CHARS = 256;

    /**
     * @param freeFailures failures of a key before any wait
     * @param firstDelay   the wait after the first failure past the free ones; doubled with each further one
     * @param maxDelay     the longest wait, and how long a quiet key is remembered
     */
    public record Settings(int freeFailures, Duration firstDelay, Duration maxDelay) {
        public static final Settings DEFAULT = new Settings(5, Duration.ofSeconds(1), Duration.ofMinutes(15));

        public Settings {
            if (freeFailures < 0 || firstDelay.isNegative() || firstDelay.isZero() || maxDelay.compareTo(firstDelay) < 0) {
                throw new IllegalArgumentException("freeFailures >= 0 and 0 < firstDelay <= maxDelay");
            }
        }
    }

    private record Count(int failures, Instant last, Instant until) {
    }

    private final Settings settings;
    private final Clock clock;
    private final Map<String, Count> byAddress = new ConcurrentHashMap<>();
    private final Map<String, Count> byName = new ConcurrentHashMap<>();

    public FailedLoginLimiter(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * How long a check for this address and name must still wait (the longer of the two), or zero.
     * Either may be null (not known, or not sent).
     */
    public Duration waitFor(String address, String name) {
        Instant now = clock.instant();
        Duration a = remaining(byAddress, address, now);
        Duration n = remaining(byName, nameKey(name), now);
        return a.compareTo(n) >= 0 ? a : n;
    }

    /** A failed check: counts against the address and the name (either may be null). */
    public void failed(String address, String name) {
        Instant now = clock.instant();
        count(byAddress, address, now, "address");
        count(byName, nameKey(name), now, "user name");
    }

    /**
     * A good check forgets the name's failures (a user who finally typed the password right is not kept
     * waiting next time); the address keeps its count, or one valid account would reset a guesser's.
     */
    public void succeeded(String name) {
        String key = nameKey(name);
        if (key != null) {
            byName.remove(key);
        }
    }

    private Duration remaining(Map<String, Count> map, String key, Instant now) {
        if (key == null) {
            return Duration.ZERO;
        }
        Count c = map.get(key);
        if (c == null || !c.until().isAfter(now)) {
            return Duration.ZERO;
        }
        return Duration.between(now, c.until());
    }

    private void count(Map<String, Count> map, String key, Instant now, String what) {
        if (key == null) {
            return;
        }
        if (map.size() >= MAX_KEYS && !map.containsKey(key)) {
            map.values().removeIf(c -> forgotten(c, now));
            if (map.size() >= MAX_KEYS) {
                return; // still full of live keys: the other map (address or name) still limits this attempt
            }
        }
        Count c = map.compute(key, (k, old) -> {
            int failures = old == null || forgotten(old, now) ? 1 : old.failures() + 1;
            return new Count(failures, now, now.plus(delay(failures)));
        });
        if (c.failures() > settings.freeFailures() && what.equals("address")) {
            // One line per wait that starts (attempts within a wait are not checked, so not counted):
            // what an administrator or fail2ban needs. Names are not logged: they are chosen by the guesser.
            LOG.warn("auth: {} failed authentications from {}; next check in {} s", c.failures(), key,
                    Duration.between(now, c.until()).toSeconds());
        }
    }

    private boolean forgotten(Count c, Instant now) {
        Instant base = c.until().isAfter(c.last()) ? c.until() : c.last();
        return !now.isBefore(base.plus(settings.maxDelay()));
    }

    /** No wait for the free failures, then firstDelay doubled per failure, at most maxDelay. */
    Duration delay(int failures) {
        int past = failures - settings.freeFailures();
        if (past <= 0) {
            return Duration.ZERO;
        }
        Duration d = settings.firstDelay();
        for (int i = 1; i < past && d.compareTo(settings.maxDelay()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : d;
    }

    private static String nameKey(String name) {
        if (name == null) {
            return null;
        }
        return name.length() > MAX_NAME_CHARS ? name.substring(0, MAX_NAME_CHARS) : name;
    }
}
