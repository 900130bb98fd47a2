package dev.davit.storage;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.GC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps loose objects from piling up: after every {@code everyCommits} commits a repository is repacked on
 * one background thread, and the loose copies of what is now packed are removed.
 *
 * <p>Why JGit's {@link GC} with only {@code repack()} and {@code prunePacked()}, not {@code gc()} or
 * {@code GarbageCollectCommand}: those also pack the refs, which takes the ref locks that a write's
 * compare-and-swap of the branch needs, so writers could lose swaps to the collector. Repacking takes no
 * lock a writer takes (and never {@link GitRepository}'s write lock): writers go on while it runs. Objects
 * no ref reaches stay loose (git's own prune waits two weeks for them too, as a write in flight may be
 * about to reference them); {@code git fsck --full} stays clean.
 */
public final class Maintenance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

    private final int everyCommits;
    private final java.util.concurrent.ScheduledExecutorService worker;
    private final Map<GitRepository, AtomicInteger> sinceLast = new ConcurrentHashMap<>();
    private final Set<GitRepository> queued = ConcurrentHashMap.newKeySet();
    private final AtomicLong runs = new AtomicLong();
    /** Per repository: the earliest System.nanoTime() at which the next repack may start. */
    private final Map<GitRepository, Long> notBefore = new ConcurrentHashMap<>();
    /** A repack waits this many times the last one's duration after it, so it takes at most ~1/N of a core. */
    private static final int PACE = 10;

    /** @param everyCommits commits between two repacks of a repository; 0 or less: never */
    public Maintenance(int everyCommits) {
        this.everyCommits = everyCommits;
        java.util.concurrent.ScheduledThreadPoolExecutor pool = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "davit-gc");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        // A repack still waiting for its turn is dropped at shutdown; one already running finishes (close()).
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = pool;
    }

    /** Counts one commit of {@code repo}; queues a repack when it is the N-th since the last one. */
    void committed(GitRepository repo) {
        if (everyCommits <= 0) {
            return;
        }
        AtomicInteger n = sinceLast.computeIfAbsent(repo, r -> new AtomicInteger());
        // A repack of a big repository takes seconds; under a steady stream of writes the N-th commit comes
        // round again long before, and back-to-back repacks would take a whole core from the writers.
        // So it is deferred, not dropped: it starts PACE times its last duration after the last one ended.
        if (n.incrementAndGet() >= everyCommits && queued.add(repo)) {
            n.set(0);
            long wait = Math.max(0, notBefore.getOrDefault(repo, 0L) - System.nanoTime());
            try {
                worker.schedule(() -> run(repo), wait, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                queued.remove(repo); // shutting down
            }
        }
    }

    /** Repacks {@code repo} now, on the caller's thread. */
    public void run(GitRepository repo) {
        try {
            long started = System.nanoTime();
            GC gc = new GC((FileRepository) repo.jgit());
            gc.repack();
            gc.prunePacked();
            runs.incrementAndGet();
            long took = System.nanoTime() - started;
            notBefore.put(repo, System.nanoTime() + PACE * took);
            LOG.info("gc {}/{}: repacked in {} ms", repo.owner(), repo.name(), (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("gc {}/{} failed: {}", repo.owner(), repo.name(), e.toString());
        } finally {
            queued.remove(repo);
        }
    }

    /** Repacks finished so far (for tests and operators). */
    public long runs() {
        return runs.get();
    }

    /** Lets a running repack finish (up to a minute) before the repositories close. */
    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(60, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
