package dev.davit.storage.maintenance;


import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.GC;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps loose objects from piling up: after every {@code everyCommits} commits a repository is packed on
 * one background thread, and the loose copies of what is now packed are removed.
 *
 * <p>Incremental, as {@code git repack -d} without {@code -a}: a pack of only what the refs reach and the last
 * pack did not (the walk stops at the tips packed last time), so its cost follows the commits since the last
 * run, not the size of the repository. A full repack of everything ({@link GC#repack()}) ran every time
 * before, and at ~10,000 commits took 23 s of a core every 500 commits, overlapping the writes and reads it
 * was meant to help. A full repack still runs on the first pack after the repository is opened (the tips
 * packed last are not known then) and when {@value #MAX_PACKS} packs have accumulated, which merges them (as
 * git's {@code gc.autoPackLimit}): every lookup of a missing object checks every pack.
 *
 * <p>Why JGit's {@link GC} with only {@code repack()} and {@code prunePacked()}, not {@code gc()} or
 * {@code GarbageCollectCommand}: those also pack the refs, which takes the ref locks that a write's
 * compare-and-swap of the branch needs, so writers could lose swaps to the collector. Repacking takes no
 * lock a writer takes (and never the repository's write lock): writers go on while it runs. Objects
 * no ref reaches stay loose (git's own prune waits two weeks for them too, as a write in flight may be
 * about to reference them); {@code git fsck --full} stays clean.
 */
public final class Maintenance implements AutoCloseable {
    /** A repository as maintenance sees it (the storage API's GitRepository is one). */
    public interface Target {
        /** The JGit repository on disk, as it is. */
        org.eclipse.jgit.lib.Repository disk();

        /** Brings the repository on disk up to date with every acknowledged write. */
        void applyToDisk() throws IOException;

        /** Its packs changed here (merged, repacked): a list of them kept aside is out of date. */
        default void packsChanged() {
        }

        String owner();

        String name();
    }

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

    private final int everyCommits;
    private final java.util.concurrent.ScheduledExecutorService worker;
    private final Map<Target, AtomicInteger> sinceLast = new ConcurrentHashMap<>();
    private final Set<Target> queued = ConcurrentHashMap.newKeySet();
    private final AtomicLong runs = new AtomicLong();
    /** Per repository: the earliest System.nanoTime() at which the next repack may start. */
    private final Map<Target, Long> notBefore = new ConcurrentHashMap<>();
    /** A repack waits this many times the last one's duration after it, so it takes at most ~1/N of a core. */
    private static final int PACE = 10;
    /** Packs that trigger a full repack, which merges them into one. */
    public static final int MAX_PACKS = 20;
    /** Per repository: the ref tips the last pack covered (everything they reach is packed). */
    private final Map<Target, Set<ObjectId>> packedTips = new ConcurrentHashMap<>();
    /** Per repository: incremental packs written since the last full repack. */
    private final Map<Target, Integer> sinceFull = new ConcurrentHashMap<>();

    /** @param everyCommits commits between two repacks of a repository; 0 or less: never */
    public Maintenance(int everyCommits) {
        this.everyCommits = everyCommits;
        // Repacks take only the cores requests leave.
        java.util.concurrent.ScheduledThreadPoolExecutor pool = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                new dev.davit.os.LowPriorityThreads("davit-gc", 10));
        // A repack still waiting for its turn is dropped at shutdown; one already running finishes (close()).
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = pool;
    }

    /** Counts one commit of {@code repo}; queues a repack when it is the N-th since the last one. */
    public void committed(Target repo) {
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

    /** Packs merged (for tests and operators). */
    private final AtomicLong merges = new AtomicLong();
    private final Set<Target> mergeQueued = ConcurrentHashMap.newKeySet();
    /** Per repository: the packs merges replaced, kept a while before they go (PackMerge.Replaced). */
    private final Map<Target, PackMerge.Replaced> replaced = new ConcurrentHashMap<>();

    /**
     * The packs of {@code repo} (base names, {@code pack-<id>}) that a merge replaced and that stay on disk a few
     * seconds more for readers outside the server ({@link PackMerge#GRACE_NANOS}): each object of theirs is in
     * the merged pack, so the server's own lookups need not ask them. A live view.
     */
    public java.util.Set<String> replacedPacks(Target repo) {
        return replaced.computeIfAbsent(repo, r -> new PackMerge.Replaced()).names();
    }

    /**
     * The {@link DiskApplier} of {@code repo} wrote a pack: merges the small packs on this thread when there
     * are many ({@link PackMerge}), one repository at a time with its repacks.
     */
    public void packed(Target repo) {
        FileRepository fr = (FileRepository) repo.disk();
        if (PackMerge.smallPacks(fr, replaced.computeIfAbsent(repo, r -> new PackMerge.Replaced())).size() < PackMerge.MIN_PACKS || !mergeQueued.add(repo)) {
            return;
        }
        try {
            worker.execute(() -> {
                try {
                    PackMerge.mergeIfMany(fr, packConfig(fr), replaced.computeIfAbsent(repo, r -> new PackMerge.Replaced()), System.nanoTime());
                    repo.packsChanged();
                    merges.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("merging packs of {}/{} failed: {}", repo.owner(), repo.name(), e.toString());
                } finally {
                    mergeQueued.remove(repo);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            mergeQueued.remove(repo); // shutting down
        }
    }

    /** Pack merges finished so far. */
    public long merges() {
        return merges.get();
    }

    /** Repacks {@code repo} now, on the caller's thread. */
    public void run(Target repo) {
        try {
            long started = System.nanoTime();
            String how = pack(repo);
            runs.incrementAndGet();
            long took = System.nanoTime() - started;
            notBefore.put(repo, System.nanoTime() + PACE * took);
            LOG.info("gc {}/{}: {} in {} ms", repo.owner(), repo.name(), how, took / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("gc {}/{} failed: {}", repo.owner(), repo.name(), e.toString());
        } finally {
            queued.remove(repo);
        }
    }

    /**
     * One packing run: full or incremental (see the class comment). The packs a full repack replaces stay
     * on disk for an hour (JGit's default pack expiry: a push may have written a pack whose refs do not name
     * it yet), so merging is decided by the count of incremental packs since the last full one, not by the
     * files in the folder.
     *
     * @return what was done, for the log
     */
    public String pack(Target repo) throws IOException {
        repo.applyToDisk(); // the refs on disk name every acknowledged commit before they are taken as tips
        FileRepository fr = (FileRepository) repo.disk();
        // The tips are taken before packing: whatever they reach is in the packs afterwards.
        Set<ObjectId> tips = tips(fr);
        Set<ObjectId> last = packedTips.get(repo);
        int incremental = sinceFull.getOrDefault(repo, 0);
        String how;
        if (last == null || incremental >= MAX_PACKS - 1) {
            GC gc = new GC(fr);
            gc.setPackConfig(packConfig(fr));
            gc.repack();
            sinceFull.put(repo, 0);
            how = "repacked everything";
        } else if (!hasLooseObjects(fr)) {
            // Every write's objects reach the disk in the disk writer's packs (with deltas) and merges keep their
            // number down: walking the commits since the last run to pack them again found nothing to do and
            // took ~9% of the server's CPU under a PUT load. Only loose objects need packing (large uploads are
            // stored loose; git writing into the repository directly).
            how = "nothing loose to pack";
        } else {
            long objects;
            try {
                objects = IncrementalPack.write(fr, packConfig(fr), tips, last);
            } catch (IOException | RuntimeException e) {
                // E.g. a tip packed last time is gone (its branch deleted, its objects dropped by a full repack):
                // a full repack needs no earlier tips, and the runs after it are incremental again.
                LOG.warn("gc {}/{}: incremental pack failed ({}); repacking everything", repo.owner(), repo.name(), e.toString());
                packedTips.remove(repo);
                return pack(repo);
            }
            if (objects > 0) {
                sinceFull.put(repo, incremental + 1);
            }
            how = "packed " + objects + " new objects";
        }
        new GC(fr).prunePacked();
        repo.packsChanged(); // a full repack dropped the old packs, and what no ref reached with them
        packedTips.put(repo, tips);
        return how;
    }

    /**
     * The repository's pack settings, with the delta search on this (low-priority) thread only: JGit would
     * otherwise search deltas on one thread per core, at normal priority, taking both cores from requests.
     */
    public static org.eclipse.jgit.storage.pack.PackConfig packConfig(FileRepository repo) {
        org.eclipse.jgit.storage.pack.PackConfig c = new org.eclipse.jgit.storage.pack.PackConfig(repo);
        c.setThreads(1);
        return c;
    }

    /** Whether {@code objects/xx/} holds any object file. */
    static boolean hasLooseObjects(FileRepository repo) throws IOException {
        java.nio.file.Path objects = repo.getObjectsDirectory().toPath();
        try (java.nio.file.DirectoryStream<java.nio.file.Path> dirs = java.nio.file.Files.newDirectoryStream(objects, "[0-9a-f][0-9a-f]")) {
            for (java.nio.file.Path d : dirs) {
                try (java.nio.file.DirectoryStream<java.nio.file.Path> files = java.nio.file.Files.newDirectoryStream(d)) {
                    for (java.nio.file.Path f : files) {
                        if (f.getFileName().toString().length() == 38) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static Set<ObjectId> tips(FileRepository repo) throws IOException {
        Set<ObjectId> tips = new java.util.HashSet<>();
        for (org.eclipse.jgit.lib.Ref r : repo.getRefDatabase().getRefs()) {
            ObjectId id = r.getPeeledObjectId() != null ? r.getPeeledObjectId() : r.getObjectId();
            if (id != null) {
                tips.add(id.copy());
            }
        }
        return tips;
    }

    public static long packCount(FileRepository repo) {
        java.io.File[] packs = new java.io.File(repo.getObjectsDirectory(), "pack")
                .listFiles((d, n) -> n.startsWith("pack-") && n.endsWith(".pack"));
        return packs == null ? 0 : packs.length;
    }

    /** Repacks finished so far (for tests and operators). */
    public long runs() {
        return runs.get();
    }

    /**
     * Lets a running repack finish (up to a few seconds) before the repositories close; one still running
     * then is abandoned (its files get their final names only when complete, so nothing is half there).
     */
    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
