package dev.davit.rest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Replays of writes that carry an {@code Idempotency-Key} (draft-ietf-httpapi-idempotency-key-header):
 * the first answer to a key is kept, and the same request again (same user, repository, method, URL and
 * body, a JSON body compared as a value, whatever the order of its members) gets that answer back, with {@code Idempotent-Replayed: true}, and no second commit. So a client
 * that lost the answer to a create can retry it and get the 201, not a 409 for its own file.
 *
 * <p>Bounded and in memory: the last {@value #MAX_ENTRIES} keys, each for {@link #TTL}; a restart
 * forgets them. Server errors (5xx) are not kept, so they can be retried. A key reused with a different
 * request is refused with 422 (as the draft says); a duplicate that arrives while the first is still
 * running waits for it and replays its answer. Thread-safe.
 */
final class IdempotencyStore {
    static final int MAX_ENTRIES = 1024;
    static final Duration TTL = Duration.ofHours(24);

    private final Clock clock;
    private final Map<String, Slot> slots = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Slot> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    IdempotencyStore(Clock clock) {
        this.clock = clock;
    }

    /** One key's first request and, once it is answered, its answer. */
    private static final class Slot {
        final String fingerprint;
        Reply reply;
        Instant at;

        Slot(String fingerprint) {
            this.fingerprint = fingerprint;
        }
    }

    /**
     * Runs {@code action} once per key, or replays its kept answer.
     *
     * @param scope     who and where (user, repository): a key means nothing outside them
     * @param request   method, URL and body of this request
     */
    Reply run(String scope, String key, String method, String uri, byte[] body, Supplier<Reply> action) {
        String id = scope + "\n" + key;
        String fingerprint = fingerprint(method, uri, body);
        Slot slot;
        synchronized (slots) {
            slot = slots.get(id);
            if (slot != null && slot.at != null && slot.at.plus(TTL).isBefore(clock.instant())) {
                slots.remove(id);
                slot = null;
            }
            if (slot == null) {
                slot = new Slot(fingerprint);
                slots.put(id, slot);
            }
        }
        if (!slot.fingerprint.equals(fingerprint)) {
            return RestErrors.reply(new RestProblem(422,
                    "Idempotency-Key " + key + " was used for a different request; use a new key for a new request"), null, method);
        }
        synchronized (slot) {
            if (slot.reply != null) {
                return slot.reply.withHeader("Idempotent-Replayed", "true");
            }
            Reply r = action.get();
            if (r.status() < 500) {
                slot.reply = r;
                slot.at = clock.instant();
            } else {
                synchronized (slots) {
                    slots.remove(id, slot);
                }
            }
            return r;
        }
    }

    /** What a request is, for telling a key's reuse with another request apart. */
    static String fingerprint(String method, String uri, byte[] body) {
        // The same JSON with its members in another order is the same request (clients build bodies from maps).
        return method + " " + uri + "\n" + sha256(Json.canonical(body));
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
