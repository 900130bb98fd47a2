package dev.davit.rest;

import dev.davit.storage.history.History;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.GitRepository;
import dev.davit.storage.RepoPath;

/**
 * The number of commits in a history (from a commit, optionally only those that changed a path), for the
 * {@code Link rel="last"} of paged commit lists: clients compute totals and read lists backwards from it.
 * Remembered per start commit; when the head moves forward, the new count is the old one plus the commits
 * between them, so a request costs a walk of what is new, never of the whole history. Thread-safe, bounded.
 */
final class CommitCounts {
    private static final int MAX_ENTRIES = 512;

    /** A count known for one history: from {@code start}. */
    private record Known(ObjectId start, long count) {
    }

    /** {@code repo/path/start} → count, exactly. */
    private final Map<String, Long> exact = lru();
    /** {@code repo/path} → the last count made: the base for the next, when the head has moved forward. */
    private final Map<String, Known> latest = lru();

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    long count(GitRepository repo, ObjectId start, RepoPath path) throws IOException {
        String history = repo.owner() + "/" + repo.name() + "\n" + path;
        String key = history + "\n" + start.name();
        Known base;
        synchronized (this) {
            Long hit = exact.get(key);
            if (hit != null) {
                return hit;
            }
            base = latest.get(history);
        }
        long n;
        if (base != null && History.of(repo).isAncestor(base.start(), start)) {
            n = base.count() + History.of(repo).count(start, base.start(), path);
        } else {
            // The first request for this history, or one that does not contain the last (another branch, a
            // ?sha= in the past): one walk, remembered.
            n = History.of(repo).count(start, null, path);
        }
        synchronized (this) {
            exact.put(key, n);
            latest.put(history, new Known(start, n));
        }
        return n;
    }
}
