package dev.davit.storage.log;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.disk.NoSpaceException;
import dev.davit.storage.objects.KnownDeltas;
import dev.davit.storage.objects.NewObjectReader;
import dev.davit.storage.objects.StoredObjects;
import dev.davit.storage.objects.NewObject;
import dev.davit.storage.objects.ObjectCache;
import dev.davit.storage.objects.PackFiles;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the bare repository on disk up to the commit log, in the background: the objects of the batches
 * logged since the last run as one pack through JGit's {@link PackWriter} (not a loose file per object; see
 * {@link #writePack}), its files fsynced before they are renamed into place and the folder after, then the branch moved (JGit writes the ref file with
 * {@code core.fsyncRefFiles}) and its folder fsynced, and only then the log segments trimmed. So a process
 * reading the bare repository sees an older but always consistent state, never a ref to a missing object.
 *
 * <p>Pace: when idle a run starts at once; under load runs are at least {@link #INTERVAL_NANOS} apart, so a
 * run packs many batches and packs stay few, and the repository lags the log by at most about a second.
 * Objects of batches not yet applied stay pinned in the {@link ObjectCache}, where every reader in this
 * process finds them; their bytes are capped ({@link #awaitRoom}: writers wait, memory stays bounded).
 *
 * <p>Threads: batches arrive under the {@link CommitLog}'s monitor (with their record), runs happen on the
 * executor passed in, one at a time per repository.
 */
public final class DiskApplier {
    private static final Logger LOG = LoggerFactory.getLogger(DiskApplier.class);
    /** Under load, the least time between two runs' starts. */
    public static final long INTERVAL_NANOS = 200_000_000L;
    /** A run that failed (e.g. a full disk) is tried again after this long. */
    private static final long RETRY_NANOS = 1_000_000_000L;

    /**
     * One logged batch of commits: the branch moved from {@code oldHead} to {@code newHead}, adding {@code objects}.
     *
     * @param madeHere the writes of this process made the objects, so every tree names the version it replaced
     *     ({@link NewObject#previous}); false for batches read back from the log or replicated from another node
     */
    public record Batch(ObjectId oldHead, ObjectId newHead, List<NewObject> objects, boolean madeHere) {
        public Batch(ObjectId oldHead, ObjectId newHead, List<NewObject> objects) {
            this(oldHead, newHead, objects, false);
        }

        public long weight() {
            return objects.stream().mapToLong(NewObject::weight).sum();
        }
    }

    private final FileRepository repo;
    /**
     * Packing settings of the disk writer: fast compression (merges compress again), the delta search on this
     * one thread (JGit would start one per core, taking both from requests), and a window of 4: the objects are
     * sorted by type and size, so the version of a tree a delta wants is next to it.
     */
    private final PackConfig packConfig;
    /**
     * The same without JGit's delta search, for a run of batches this process made: the deltas that matter (each
     * write rewrites the trees on its path) are known ({@link KnownDeltas}), and what the search would add is
     * deltas between the run's other objects (new files' blobs, which rarely are versions of each other within a
     * run, the versions before being in older packs), at the cost of indexing each of them and the newest
     * version of every folder: still a third of the disk writer's samples under 1 KiB PUTs into a ~7,000-file
     * folder (JFR) after the known deltas. Merges copy what a run stored; repacks search everything again.
     */
    private final PackConfig knownDeltasOnly;
    private final String branch;
    private final String label;
    private final CommitLog log;
    private final ObjectCache cache;
    private final ScheduledExecutorService executor;
    private final LongSupplier nanoTime;
    private final long maxUnappliedBytes;
    private final Runnable afterRun;
    private final Runnable packKnown;
    /** The packs to ask whether an object is stored already (a pack missing from them costs a duplicate only). */
    private final java.util.function.Supplier<java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack>> packs;

    private final ArrayDeque<Batch> queue = new ArrayDeque<>();
    private final Map<ObjectId, NewObject> unapplied = new ConcurrentHashMap<>();
    private final AtomicLong unappliedBytes = new AtomicLong();
    /** Batches ever queued and ever applied: equal when the repository on disk is up to date. */
    private volatile long enqueued;
    private volatile long applied;
    private ScheduledFuture<?> pending;
    private boolean running;
    private int waiters;
    private long lastRunStart = Long.MIN_VALUE / 2;
    private IOException lastFailure;
    private boolean closed;

    /**
     * @param afterRun  called on the disk writer's thread after each run that brought the repository on disk up
     *                  to date
     * @param packKnown called on that thread once a run's pack is durable and known to JGit, before its objects
     *                  stop counting as held ({@link #holds}): whoever keeps a list of the packs takes the new one
     *                  in first, so that an object is never in neither (a write that placed a blob it was told is
     *                  held would be refused as if that blob were lost)
     * @param packs     the packs a run asks whether an object is stored already, once per pack it writes: JGit's
     *                  list as it is then without the packs a merge replaced ({@code GitRepository}), not JGit's
     *                  list per object (a look at the pack folder each) with those (each lookup of a new object
     *                  asks every pack: ~11% of this thread under sequential PUTs, JFR)
     */
    public DiskApplier(FileRepository repo, String branch, String label, CommitLog log, ObjectCache cache,
                ScheduledExecutorService executor, LongSupplier nanoTime, long maxUnappliedBytes, Runnable afterRun,
                Runnable packKnown, java.util.function.Supplier<java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack>> packs) {
        this.repo = repo;
        this.packs = packs;
        this.packConfig = new PackConfig(repo);
        packConfig.setCompressionLevel(java.util.zip.Deflater.BEST_SPEED);
        packConfig.setThreads(1);
        packConfig.setDeltaSearchWindowSize(4);
        this.knownDeltasOnly = new PackConfig(packConfig);
        knownDeltasOnly.setDeltaCompress(false);
        this.branch = branch;
        this.label = label;
        this.log = log;
        this.cache = cache;
        this.executor = executor;
        this.nanoTime = nanoTime;
        this.maxUnappliedBytes = maxUnappliedBytes;
        this.afterRun = afterRun;
        this.packKnown = packKnown;
    }

    /** True when every logged batch is in the repository on disk. */
    public boolean upToDate() {
        long e = enqueued;
        return applied == e;
    }

    /** True when {@code id} is in a logged batch not yet applied (durable in the log, not yet in a pack). */
    public boolean holds(ObjectId id) {
        return unapplied.containsKey(id);
    }

    /**
     * Queues a batch whose record is durable. Called with the log's monitor held, as its record is published
     * (in the log's order), so that a run's {@link CommitLog#rotateTo} splits the queue where it splits the
     * segments (a record written and not yet published keeps its segment: see there).
     */
    public void enqueue(Batch b) {
        for (NewObject o : b.objects()) {
            if (unapplied.putIfAbsent(o.id(), o) == null) {
                cache.pin(o.id(), o.type(), o.bytes());
            }
        }
        unappliedBytes.addAndGet(b.weight());
        synchronized (this) {
            queue.add(b);
            enqueued++;
            kick(false);
        }
    }

    /** Back-pressure: waits while the objects not yet applied exceed the cap (writers hold the write lock meanwhile). */
    public void awaitRoom(long timeoutNanos) throws IOException {
        if (unappliedBytes.get() <= maxUnappliedBytes) {
            return;
        }
        long deadline = nanoTime.getAsLong() + timeoutNanos;
        synchronized (this) {
            waiters++;
            try {
                kick(true);
                while (unappliedBytes.get() > maxUnappliedBytes) {
                    long left = deadline - nanoTime.getAsLong();
                    if (left <= 0) {
                        throw behind("writes wait for the repository on disk to catch up");
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the repository on disk");
            } finally {
                waiters--;
            }
        }
    }

    /**
     * Brings the repository on disk up to date now (git smart HTTP before it serves, a push, shutdown, a
     * repack) and waits for it, at most {@code timeoutNanos}.
     */
    public void awaitApplied(long timeoutNanos) throws IOException {
        long target = enqueued;
        long deadline = nanoTime.getAsLong() + timeoutNanos;
        synchronized (this) {
            waiters++;
            try {
                kick(true);
                while (applied < target) {
                    long left = deadline - nanoTime.getAsLong();
                    if (left <= 0 || closed) {
                        throw behind("the repository on disk is not up to date");
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while bringing the repository on disk up to date");
            } finally {
                waiters--;
            }
        }
    }

    private IOException behind(String what) {
        IOException cause = lastFailure;
        NoSpaceException full = NoSpaceException.of(cause);
        if (full != null) {
            return full;
        }
        return new IOException(what + " (" + label + (cause == null ? "" : ": " + cause.getMessage()) + ")", cause);
    }

    /** Under this monitor: makes sure a run is scheduled; {@code now}: without the pause between runs. */
    private void kick(boolean now) {
        if (running || closed) {
            return; // the run in progress schedules the next one when it ends
        }
        if (pending != null) {
            if (now && pending.getDelay(TimeUnit.NANOSECONDS) > 0 && pending.cancel(false)) {
                pending = schedule(0);
            }
            return;
        }
        if (queue.isEmpty()) {
            return;
        }
        long wait = now ? 0 : Math.max(0, lastRunStart + INTERVAL_NANOS - nanoTime.getAsLong());
        pending = schedule(wait);
    }

    private ScheduledFuture<?> schedule(long delayNanos) {
        try {
            return executor.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null; // shutting down: the log keeps what is not applied
        }
    }

    private void run() {
        synchronized (this) {
            pending = null;
            if (running || closed) {
                return;
            }
            running = true;
            lastRunStart = nanoTime.getAsLong();
        }
        boolean ok = false;
        try {
            applyQueued();
            ok = true;
        } catch (IOException | RuntimeException e) {
            LOG.error("bringing {} on disk up to date failed (the commit log keeps the writes; trying again): {}", label, e.toString());
            synchronized (this) {
                lastFailure = e instanceof IOException io ? NoSpaceException.translate(io) : new IOException(e);
            }
        } finally {
            synchronized (this) {
                running = false;
                if (ok) {
                    lastFailure = null;
                }
                notifyAll();
                if (!queue.isEmpty() && !closed) {
                    pending = schedule(!ok ? RETRY_NANOS : waiters > 0 ? 0 : Math.max(0, lastRunStart + INTERVAL_NANOS - nanoTime.getAsLong()));
                }
            }
        }
        if (ok) {
            afterRun.run();
        }
    }

    private void applyQueued() throws IOException {
        List<Batch> batches;
        long sealed;
        CommitLog.Prepared next = log.prepareRotation();
        synchronized (log) {
            synchronized (this) {
                batches = new ArrayList<>(queue);
            }
            // Segments end only now and then (CommitLog.ROTATE_*), exactly where the queue is taken, so that
            // every record of the segments up to `sealed` is in `batches` or applied before.
            sealed = log.rotateTo(next);
        }
        if (batches.isEmpty()) {
            return;
        }
        if (writePack(batches)) {
            packKnown.run();
        }
        moveBranch(batches.get(0).oldHead(), batches.get(batches.size() - 1).newHead());
        long weight = 0;
        synchronized (this) {
            for (int i = 0; i < batches.size(); i++) {
                queue.removeFirst();
            }
            for (Batch b : batches) {
                weight += b.weight();
                for (NewObject o : b.objects()) {
                    // In a durable pack now, and registered with JGit: readers find it there from here on.
                    if (unapplied.remove(o.id()) != null) {
                        cache.unpin(o.id());
                    }
                }
            }
            unappliedBytes.addAndGet(-weight);
            applied += batches.size();
            notifyAll();
        }
        if (sealed >= 0) {
            log.trim(sealed);
        }
    }

    /**
     * One pack of every object of {@code batches} the repository does not have yet; durable on return, and
     * known to JGit (its readers find the objects there once they leave the memory cache). False when every
     * object was in a pack already (no pack written).
     *
     * <p>Written by JGit's {@link PackWriter} with its delta search, not {@code PackInserter}: a write rewrites
     * every tree on its path, and a folder's tree of a few thousand files is ~100 KB, so whole objects made a
     * pack of ~90 KB per PUT into such a folder (594 MB of packs after 6,500 PUTs of 1 KiB in a run), and every
     * merge and lookup paid for it. The versions of a tree that a run packs differ by an entry or two: stored as
     * deltas of each other they take a few dozen bytes each, and merges copy the deltas as they are. Those
     * deltas are known without JGit's search ({@link KnownDeltas}, which says why); it searches the rest.
     */
    private boolean writePack(List<Batch> batches) throws IOException {
        Path packDir = repo.getObjectDatabase().getPackDirectory().toPath();
        java.nio.file.Files.createDirectories(packDir);
        java.util.Map<ObjectId, NewObject> fresh = new java.util.LinkedHashMap<>();
        boolean allMadeHere = true;
        java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> stored = packs.get();
        for (Batch b : batches) {
            allMadeHere &= b.madeHere();
            for (NewObject o : b.objects()) {
                if (!fresh.containsKey(o.id()) && !StoredObjects.inPacks(stored, o.id())) {
                    fresh.put(o.id(), o);
                }
            }
        }
        if (fresh.isEmpty()) {
            return false;
        }
        try (NewObjectReader reader = new NewObjectReader(fresh, KnownDeltas.plan(fresh)); RevWalk rw = new RevWalk(reader);
             PackWriter pw = new PackWriter(allMadeHere ? knownDeltasOnly : packConfig, reader)) {
            pw.setDeltaBaseAsOffset(true);
            List<RevObject> objects = new ArrayList<>(fresh.size());
            for (NewObject o : fresh.values()) {
                objects.add(rw.lookupAny(o.id(), o.type()));
            }
            pw.preparePack(objects.iterator());
            String name = PackFiles.writeDurable(pw, packDir);
            // Its index read here, not by the first request that asks whether it holds an object (each write
            // asks every pack about its new blob: loading the new packs' indexes was ~5% of a PUT's thread).
            repo.getObjectDatabase().openPack(packDir.resolve(name + ".pack").toFile()).getIndex();
        }
        return true;
    }

    /**
     * Moves the branch on disk from {@code from} to {@code to}. A branch moved meanwhile by someone outside
     * this server (git writing into the bare repository directly, not through /git) loses: the writes in the
     * log were acknowledged and win, and the other commit is kept under {@code refs/davit/displaced/...} and
     * logged, never dropped.
     */
    private void moveBranch(ObjectId from, ObjectId to) throws IOException {
        repo.getRefDatabase().refresh();
        Ref ref = repo.exactRef(branch);
        ObjectId onDisk = ref == null ? null : ref.getObjectId();
        if (Objects.equals(onDisk, to)) {
            forceRefFolder();
            return;
        }
        RefUpdate ru = repo.updateRef(branch);
        ru.setNewObjectId(to);
        ru.setExpectedOldObjectId(onDisk == null ? ObjectId.zeroId() : onDisk);
        ru.disableRefLog(); // bare repositories keep no reflog; asking JGit re-reads three config files per update
        if (!Objects.equals(onDisk, from)) {
            String keep = "refs/davit/displaced/" + System.currentTimeMillis();
            LOG.error("{}: {} was moved outside Davit to {} while acknowledged writes were waiting for the disk; "
                    + "they win, and that commit is kept as {}", label, branch, onDisk == null ? "nothing" : onDisk.name(), keep);
            if (onDisk != null) {
                RefUpdate save = repo.updateRef(keep);
                save.setNewObjectId(onDisk);
                save.disableRefLog();
                save.update();
            }
            ru.setForceUpdate(true);
        }
        RefUpdate.Result r = ru.update();
        switch (r) {
            case NEW, FAST_FORWARD, FORCED, NO_CHANGE -> forceRefFolder();
            default -> throw new IOException("moving " + branch + " of " + label + " to " + to.name() + " failed: " + r);
        }
    }

    /** The ref file was fsynced by JGit (core.fsyncRefFiles) before its rename; the rename needs its folder's. */
    private void forceRefFolder() throws IOException {
        Path file = repo.getDirectory().toPath().resolve(branch);
        DurableFiles.forceDirectory(file.getParent());
    }

    /**
     * Stops scheduling runs and waits for one in progress to end (at most {@code timeoutNanos}): a run still
     * trims the log's segments after its writers were told the batches are applied, and the repository's files
     * are not this object's to change once it is closed. What is not applied stays in the log for the next start.
     */
    public void close(long timeoutNanos) {
        long deadline = nanoTime.getAsLong() + timeoutNanos;
        synchronized (this) {
            closed = true;
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
            notifyAll();
            try {
                for (long left; running && (left = deadline - nanoTime.getAsLong()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
