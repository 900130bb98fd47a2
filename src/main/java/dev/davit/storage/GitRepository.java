package dev.davit.storage;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.disk.NoSpaceException;
import dev.davit.storage.log.CommitLog;
import dev.davit.storage.log.DiskApplier;
import dev.davit.storage.log.LogRecovery;
import dev.davit.storage.maintenance.Maintenance;
import dev.davit.storage.objects.StoredObjects;
import dev.davit.storage.objects.BatchInserter;
import dev.davit.storage.objects.LargeBlobs;
import dev.davit.storage.objects.NewObject;
import dev.davit.storage.objects.ObjectCache;
import dev.davit.storage.objects.ParsedTrees;
import dev.davit.storage.objects.RawTree;
import dev.davit.storage.objects.ObjectIds;
import dev.davit.storage.objects.PackFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;

import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * One bare repository whose branch {@value #BRANCH} is the served tree. Reads take a {@link Snapshot};
 * each write is one commit, published by a compare-and-swap of the branch. Thread-safe.
 *
 * <p>Writers inside this process queue on a lock, so they never lose a swap to each other; a swap lost to
 * a writer outside (a git push) re-runs the {@link Mutation} on the new head, which re-checks its
 * preconditions: a change to other paths is kept, a stale precondition on the same path fails.
 */
/**
 * One bare repository whose branch {@value #BRANCH} is the served tree. Reads take a {@link Snapshot};
 * each write is one commit. Thread-safe.
 *
 * <p>The commit point is the repository's {@link CommitLog}: a write is acknowledged once the record of
 * its batch (its objects and the branch's move) is synced there, and from then on every reader in this
 * process sees it (the head is kept in memory, the objects pinned in the {@link ObjectCache}). The bare
 * repository on disk catches up in the background ({@link DiskApplier}); git smart HTTP, repacks and
 * shutdown bring it up to date first ({@link #applyToDisk}). Writers inside this process queue on a lock
 * (group commit); a push takes the same lock ({@link #exclusive}).
 */
public final class GitRepository implements AutoCloseable, Maintenance.Target {
    public static final String BRANCH = Constants.R_HEADS + "main";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GitRepository.class);

    private final String owner;
    private final String name;
    private final Repository repo;
    private final Path tmpDir;
    /** Cluster mode's other branches and tags, applied straight to disk ({@link #pushRefReplicated}). */
    private final ReplicatedRefs otherRefs;
    /** Largest blob that is logged instead of synced by itself. */
    static final int SMALL_BLOB = 1 << 20;
    /** Most writes one batch takes (its log record holds their objects). */
    private static final int MAX_BATCH = 256;
    /**
     * Objects logged but not yet in a pack on disk, at most (back-pressure beyond): {@link #heapShare} of this
     * JVM's heap. The heap they take while they wait is several times their bytes (pinned in the cache, the
     * parsed trees and last-modified entries made from them, the next batches built on them), and a fixed 64 MiB
     * ran a -Xmx256m server out of heap: 16 connections of 1 KiB PUTs into one folder (a tree of 300-800 KB per
     * commit) threw OutOfMemoryError in 6 requests of a benchmark run. Measured with that load (wrk, one folder
     * growing to ~20,000 files): -Xmx160m, 30 s: 64 MiB 17 OutOfMemoryErrors and 92 full collections, 32 MiB
     * none and 6, 16 MiB none and 2; -Xmx256m, 40 s: 64 MiB 3 full collections, 32 MiB none, at the same rate
     * (500/s) and with no PUT refused.
     */
    private static final long MAX_UNAPPLIED_BYTES = heapShare(Runtime.getRuntime().maxMemory());
    /** Uploaded blobs whose write has not come (yet), at most ({@link #heapShare}); the oldest are dropped beyond. */
    private static final long MAX_PENDING_BYTES = heapShare(Runtime.getRuntime().maxMemory());

    /** An eighth of {@code maxHeap}, at least 8 MiB (a blob up to {@link #SMALL_BLOB} is logged) and at most 64 MiB. */
    static long heapShare(long maxHeap) {
        return Math.max(8L << 20, Math.min(64L << 20, maxHeap / 8));
    }
    /** How long a writer waits for room, and git HTTP or a close for the disk, before giving up. */
    private static final long DISK_WAIT_NANOS = 30_000_000_000L;
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingWrite<?>> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /**
     * Small blobs from insertBlob whose write has not committed yet: in memory only. The write that places
     * one takes it into its record ({@link TreeEdit#placedBlobs}); a blob no write takes (a refused upload)
     * is never written anywhere.
     */
    private final java.util.concurrent.ConcurrentHashMap<ObjectId, PendingBlob> pendingBlobs = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
    private final CommitLog log;
    private final DiskApplier applier;
    /** Trees and commits recently read or written, and objects not yet on disk (pinned). */
    private final ObjectCache cache = new ObjectCache(16L << 20);
    private final ParsedTrees parsedTrees = new ParsedTrees(8L << 20);
    /** Batches that moved the branch (each one log record and one sync). */
    private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
    private final LastModifiedIndex index;
    /** The times of the head's paths: from {@link #index}, or while it is built in the background, from the recent history. */
    private final HistoryTimes times;
    /** Where {@link #index} is kept between runs. */
    private final Path indexFile;
    private final boolean durable;
    private final java.util.concurrent.ScheduledExecutorService diskExecutor;
    /** A save of the index is scheduled and has not started yet. */
    private final java.util.concurrent.atomic.AtomicBoolean indexSaveQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** How long the last save of the index took: the next one waits 50 times that (at least 2 s). */
    private volatile long indexSaveNanos;
    private final Object indexSaveLock = new Object();
    private final HeadRef headRef;
    /** The branch's head as of the newest batch whose record is synced (the truth while the disk lags behind). */
    private volatile ObjectId memHead;
    /** The head's commit as last parsed (read only: Snapshot never hands it to a RevWalk). */
    private volatile RevCommit headCommit;
    private final SideFiles sideFiles;
    /** Small files at the head as a GET answers them, until the head moves. */
    private final HeadFiles headFiles = new HeadFiles(this);
    /** Set once by {@link Repositories} right after opening; counts commits towards a background repack. */
    private volatile Maintenance maintenance;
    /** Cluster mode: the commits of the batch this node is committing through the replicated log, or null. */
    private volatile MadeHere madeHere;

    /** A batch's commits from {@code start} to {@code head}, as its writer made them. */
    private record MadeHere(ObjectId head, ObjectId start, List<LastModifiedIndex.Made> commits) {
    }

    /** Set once by {@link Repositories} right after opening; null (no limit) for a repository opened alone. */
    private volatile RepositorySizes sizes;
    /** Set once by {@link Repositories} right after opening in cluster mode; null: the local log is the commit point. */
    private volatile CommitPoint commitPoint;
    private final java.util.function.LongSupplier nanoTime;
    /** The threads large uploads hash and flush on (owned by {@link Repositories}). */
    private final java.util.concurrent.ExecutorService blobWorkers;
    /** Buffers and checked object files of large blobs' sends (owned by {@link Repositories}). */
    private final dev.davit.storage.objects.LargeBlobReads largeBlobReads;

    private final Runnable onCommit;

    /**
     * Cluster mode: large blobs uploaded here and already made durable on a majority of nodes
     * ({@link CommitPoint#shipBlob}), not yet named by a record; with the time they were shipped. A write placing
     * one names it in its record's entry as outside the record; one dropped from here (when too many wait) is
     * shipped again by the write that places it.
     */
    private final java.util.concurrent.ConcurrentHashMap<ObjectId, Long> shipped = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_SHIPPED = 1024;

    private record PendingBlob(NewObject object, long since) {
    }

    GitRepository(String owner, String name, Repository repo, Runnable onCommit, boolean durable,
                  java.util.concurrent.ScheduledExecutorService diskExecutor, java.util.concurrent.ExecutorService blobWorkers,
                  dev.davit.storage.objects.LargeBlobReads largeBlobReads, java.util.concurrent.Executor indexBuilds,
                  java.util.function.LongSupplier nanoTime, CommitLog.Sync logSync) throws IOException {
        this.blobWorkers = blobWorkers;
        this.largeBlobReads = largeBlobReads;
        this.onCommit = onCommit;
        this.owner = owner;
        this.name = name;
        this.repo = repo;
        this.otherRefs = new ReplicatedRefs(repo, owner + "/" + name);
        this.nanoTime = nanoTime;
        this.durable = durable;
        this.diskExecutor = diskExecutor;
        this.indexFile = repo.getDirectory().toPath().resolve(LastModifiedIndex.FILE);
        this.tmpDir = repo.getDirectory().toPath().resolve("davit-tmp");
        this.sideFiles = new SideFiles(repo.getDirectory().toPath().resolve("davit-side"), durable);
        Files.createDirectories(tmpDir);
        // Spooled uploads that a crash left behind belong to no write any more.
        try (java.util.stream.Stream<Path> stale = Files.list(tmpDir)) {
            for (Path p : (Iterable<Path>) stale::iterator) {
                Files.deleteIfExists(p);
            }
        }
        this.headRef = new HeadRef(repo, BRANCH);
        Path logDir = repo.getDirectory().toPath().resolve("davit-journal");
        LogRecovery.Result recovered = LogRecovery.run(repo, logDir, BRANCH, owner + "/" + name);
        this.log = new CommitLog(logDir, durable, owner + "/" + name, nanoTime, logSync);
        this.applier = new DiskApplier((org.eclipse.jgit.internal.storage.file.FileRepository) repo, BRANCH,
                owner + "/" + name, log, cache, diskExecutor, nanoTime, MAX_UNAPPLIED_BYTES, this::appliedToDisk,
                this::packsChanged, this::livePacks);
        this.memHead = recovered.head();
        synchronized (log) {
            for (DiskApplier.Batch b : recovered.batches()) {
                applier.enqueue(b); // already in the log: replayed into memory, applied in the background
            }
        }
        headRef.forget();
        this.index = LastModifiedIndex.load(indexFile, parsedTrees);
        this.times = new HistoryTimes(index, this::newReader, this::headId, indexBuilds, this::saveIndexLater, owner + "/" + name, nanoTime);
        // A long way behind (a repository never opened here): built in the background, not before the first answer.
        times.catchUp(headId());
        saveIndexLater();
    }

    /**
     * Saves the last-modified index in the background, off every request: at most one save waits, and
     * saves are spaced so that they take at most 2% of the time (a repository of 100,000 files writes a
     * few megabytes). What a crash loses is replayed from the history at the next open.
     */
    private void saveIndexLater() {
        if (indexSaveQueued.get() || !index.unsaved() || !indexSaveQueued.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(2_000_000_000L, 50 * indexSaveNanos);
        try {
            diskExecutor.schedule(() -> {
                indexSaveQueued.set(false);
                saveIndex();
            }, delay, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            indexSaveQueued.set(false); // shutting down: close() saves it
        }
    }

    private void saveIndex() {
        synchronized (indexSaveLock) {
            long t0 = nanoTime.getAsLong();
            try {
                index.save(indexFile, durable);
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}/{}: could not save the last-modified index (it is replayed from the history at the next open): {}",
                        owner, name, e.toString());
            }
            indexSaveNanos = Math.max(0, nanoTime.getAsLong() - t0);
        }
    }

    /**
     * Commits the last-modified index read back from the history since the repository opened (parsed, their
     * ancestry walked), rather than told by the writer that made them: after writes through this node, none.
     */
    public long indexWalkedCommits() {
        return index.walked();
    }

    /** Commits the last-modified index replayed since the repository opened (0 when the stored one was current). */
    long indexReplayed() {
        return index.replayed();
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The current head of the branch, or null before the first commit: the newest logged batch's, or, when
     * the disk is up to date, the ref on disk (so a change made there by someone else is seen too).
     */
    public ObjectId headId() throws IOException {
        if (applier.upToDate()) {
            return headRef.read();
        }
        return memHead;
    }

    /** A view of the current head. */
    public Snapshot head() throws IOException {
        ObjectReader reader = newReader();
        try {
            ObjectId head = headId();
            RevCommit commit = null;
            if (head != null) {
                RevCommit last = headCommit;
                // Parsed once per head, not per request: a RevWalk and its maps cost more than the rest of a small GET.
                commit = last != null && last.equals(head) ? last : new RevWalk(reader).parseCommit(head);
                headCommit = commit;
            }
            if (head != null) {
                times.catchUp(head);
                saveIndexLater();
            }
            return new Snapshot(this, reader, commit, true);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /**
     * A view of a past state: {@code rev} is a commit id (full or abbreviated) or a ref name.
     *
     * @throws NotFoundException when it names no commit of this repository
     */
    public Snapshot at(String rev) throws IOException, NotFoundException {
        NotFoundException notFound = new NotFoundException(RepoPath.ROOT, "no commit '" + rev + "' in " + owner + "/" + name);
        if (!(rev.matches("[0-9a-fA-F]{4,40}") || rev.startsWith(Constants.R_REFS) || rev.equals("main"))) {
            throw notFound;
        }
        ObjectId id = resolve(rev);
        if (id == null) {
            throw notFound;
        }
        ObjectReader reader = newReader();
        try {
            RevCommit commit = new RevWalk(reader).parseCommit(id);
            return new Snapshot(this, reader, commit, commit.equals(headId()));
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            reader.close();
            throw notFound;
        }
    }

    /**
     * The object {@code rev} names: "main" or the branch (the head, even before the disk has it), a full or
     * abbreviated id (also of commits not yet on disk), or another ref or revision expression (from disk).
     * Null when it names nothing.
     */
    public ObjectId resolve(String rev) throws IOException {
        if (rev.equals("main") || rev.equals(BRANCH) || rev.equals("HEAD")) {
            return headId();
        }
        try (ObjectReader reader = newReader()) {
            if (rev.matches("[0-9a-fA-F]{40}")) {
                ObjectId id = ObjectId.fromString(rev);
                return reader.has(id) ? id : null;
            }
            if (rev.matches("[0-9a-fA-F]{4,39}")) {
                java.util.Collection<ObjectId> found = reader.resolve(org.eclipse.jgit.lib.AbbreviatedObjectId.fromString(rev));
                java.util.Set<ObjectId> all = new java.util.HashSet<>(found);
                all.addAll(cache.pinnedMatching(rev));
                return all.size() == 1 ? all.iterator().next() : null;
            }
        }
        try {
            return repo.resolve(rev + "^{commit}");
        } catch (AmbiguousObjectException | MissingObjectException | IncorrectObjectTypeException | RevisionSyntaxException e) {
            return null;
        }
    }

    /**
     * Stores a blob from a stream. A small one (up to {@value #SMALL_BLOB} bytes, the usual PUT) stays in
     * memory and goes into the log record of the write that places it, so it costs no sync of its own; a
     * large or chunked one is streamed to disk and synced before this returns (its transfer dwarfs the
     * sync), never held in memory.
     */
    public ObjectId insertBlob(InputStream in, long length) throws IOException {
        try {
            if (length < 0 || length > SMALL_BLOB) {
                return insertLargeBlob(in, length);
            }
            byte[] data = in.readNBytes((int) length);
            if (data.length != length) {
                throw new IOException("expected " + length + " bytes, got " + data.length);
            }
            ObjectId id = ObjectIds.of(Constants.OBJ_BLOB, data, 0, data.length);
            PendingBlob known = pendingBlobs.get(id);
            if (known != null) {
                ObjectIds.requireSame(id, known.object().bytes(), data, 0, data.length);
                return id;
            }
            if (isDurable(id)) {
                // Known id: the bytes must be the same (ObjectIds: the hash detects no collisions itself).
                try (ObjectReader reader = newReader()) {
                    ObjectIds.requireSame(id, reader.open(id, Constants.OBJ_BLOB).getCachedBytes(SMALL_BLOB), data, 0, data.length);
                }
                return id;
            }
            NewObject blob = NewObject.of(id, Constants.OBJ_BLOB, data, 0, data.length);
            if (pendingBlobs.putIfAbsent(id, new PendingBlob(blob, nanoTime.getAsLong())) == null) {
                cache.pin(id, Constants.OBJ_BLOB, blob.bytes()); // readable at once (a merge reads what it uploaded)
                pendingBytes.addAndGet(blob.weight());
                dropOldPendingBlobs();
            }
            return id;
        } catch (IOException e) {
            throw NoSpaceException.translate(e);
        }
    }

    /**
     * Uploads whose write never came (refused after the upload, or the client went away) must not pile up:
     * beyond {@link #MAX_PENDING_BYTES} the oldest go. A write that still places one is refused and can be
     * sent again (it happens only when many megabytes of uploads wait at once).
     */
    private void dropOldPendingBlobs() {
        while (pendingBytes.get() > MAX_PENDING_BYTES) {
            java.util.Map.Entry<ObjectId, PendingBlob> oldest = null;
            for (java.util.Map.Entry<ObjectId, PendingBlob> e : pendingBlobs.entrySet()) {
                if (oldest == null || e.getValue().since() < oldest.getValue().since()) {
                    oldest = e;
                }
            }
            if (oldest == null || !pendingBlobs.remove(oldest.getKey(), oldest.getValue())) {
                return;
            }
            if (!applier.holds(oldest.getKey())) {
                cache.unpin(oldest.getKey());
            }
            pendingBytes.addAndGet(-oldest.getValue().object().weight());
        }
    }

    /** True when {@code id} is durable: in a logged batch, or in the repository on disk (packed or loose). */
    private boolean isDurable(ObjectId id) throws IOException {
        return isPacked(id) || StoredObjects.isLoose(repo, id);
    }

    /**
     * True when {@code id} is in a logged batch or a pack on disk: asked for every object of every write, which
     * nearly always is new (the trees and commit a write makes). A "no" for an object that is there all the same
     * (loose: a large upload, git writing directly) only writes it once more; a stat of its loose file per object
     * took ~7% of a PUT's thread. An uploaded blob is checked loose too ({@link #isDurable}): its bytes are
     * compared with the stored ones (ObjectIds.requireSame).
     */
    private boolean isPacked(ObjectId id) throws IOException {
        return applier.holds(id) || unpublished.containsKey(id) || StoredObjects.inPacks(packs(), id);
    }

    /** The packs JGit knew at a look, and when that was. */
    private record KnownPacks(java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> packs, long atNanos) {
    }

    /** Older than this, the next question looks again (a pack that git or another tool put there). */
    private static final long PACKS_LOOK_NANOS = 1_000_000_000L;
    private volatile KnownPacks knownPacks;

    /**
     * The packs as of the last change this server made to them (the disk writer's pack, a merge, a repack) or at
     * most {@link #PACKS_LOOK_NANOS} ago. Not JGit's {@code getPacks()} per question: it looks at the pack folder
     * again whenever the folder changed, and racily so while the folder's time is within the file system's
     * granularity of now, which under writes is all the time: listing the folder was ~13% of the bytes a PUT
     * allocated and ~3% of its CPU (JFR, wrk 1 KiB PUTs with 4 connections). A pack this list lacks only costs a
     * duplicate object (see {@link StoredObjects}).
     */
    private java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> packs() {
        KnownPacks k = knownPacks;
        if (k == null || nanoTime.getAsLong() - k.atNanos() > PACKS_LOOK_NANOS) {
            k = lookAtPacks();
        }
        return k.packs();
    }

    /**
     * Without the packs a merge replaced that stay on disk a few seconds for other readers (their objects are in
     * the merged pack): asked too, they were about half of the packs under writes, and every new object of every
     * write asks every pack (a miss): ~8% of a PUT's thread was those lookups (JFR, sequential 1 KiB PUTs).
     */
    private KnownPacks lookAtPacks() {
        KnownPacks k = new KnownPacks(livePacks(), nanoTime.getAsLong());
        knownPacks = k;
        return k;
    }

    /**
     * JGit's packs as they are now (it looks at the folder again when the folder changed), but for those a merge
     * replaced: the disk writer asks these once per pack it writes, as fresh as JGit's own list.
     */
    private java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> livePacks() {
        java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> packs =
                repo instanceof org.eclipse.jgit.internal.storage.file.FileRepository files ? StoredObjects.packs(files) : List.of();
        Maintenance m = maintenance;
        java.util.Set<String> replaced = m == null ? java.util.Set.of() : m.replacedPacks(this);
        if (replaced.isEmpty()) {
            return packs;
        }
        List<org.eclipse.jgit.internal.storage.file.Pack> live = new ArrayList<>(packs.size());
        for (org.eclipse.jgit.internal.storage.file.Pack p : packs) {
            String file = p.getPackFile().getName();
            if (!replaced.contains(file.endsWith(".pack") ? file.substring(0, file.length() - 5) : file)) {
                live.add(p);
            }
        }
        return live;
    }

    @Override
    public void packsChanged() {
        lookAtPacks();
    }

    /** The base names of the packs this server's own lookups ask now (tests). */
    List<String> lookedUpPacks() {
        List<String> names = new ArrayList<>();
        for (org.eclipse.jgit.internal.storage.file.Pack p : packs()) {
            names.add(p.getPackFile().getName().replaceFirst("\\.pack$", ""));
        }
        return names;
    }

    /**
     * The objects of batches written to the log and not yet published (with how many such batches hold each): the
     * next batch builds on them before the disk writer has them ({@link #complete}), so a blob one of them took
     * from the uploads is held for the next one too. A batch built on them is lost with them.
     */
    private final java.util.concurrent.ConcurrentHashMap<ObjectId, Integer> unpublished = new java.util.concurrent.ConcurrentHashMap<>();

    private void holdUnpublished(List<NewObject> objects) {
        for (NewObject o : objects) {
            unpublished.merge(o.id(), 1, Integer::sum);
        }
    }

    private void releaseUnpublished(List<NewObject> objects) {
        for (NewObject o : objects) {
            unpublished.computeIfPresent(o.id(), (id, n) -> n == 1 ? null : n - 1);
        }
    }

    /** A batch that will never be published: its objects' pins go, but those another batch or the disk writer holds. */
    private void dropUnpublished(List<NewObject> objects) {
        releaseUnpublished(objects);
        for (NewObject o : objects) {
            if (!unpublished.containsKey(o.id()) && !applier.holds(o.id())) {
                cache.unpin(o.id());
            }
        }
    }

    private ObjectId insertLargeBlob(InputStream in, long length) throws IOException {
        ObjectId id = LargeBlobs.insert(repo, tmpDir, in, length, blobWorkers, largeBlobReads); // streamed, synced before it returns
        CommitPoint replicated = commitPoint;
        if (replicated != null) {
            // Cluster mode: to a majority of nodes now, on the upload's thread, not later on the batch's (which
            // every write of this repository waits for): the write that places it then only names it.
            replicated.shipBlob(this, id);
            if (shipped.size() >= MAX_SHIPPED) {
                shipped.clear(); // a write placing one of them ships it again
            }
            shipped.put(id, nanoTime.getAsLong());
        }
        return id;
    }

    /**
     * Cluster mode, on a node that another node ships a large blob to ({@link CommitPoint#shipBlob}) or that
     * fetches one a record names: stores {@code length} bytes of {@code in} as a blob, streamed and synced as an
     * upload's, and checks that they are the blob {@code expected}.
     *
     * @throws IOException when the bytes are another blob (which stays, unnamed, as after a refused upload) or
     *                     end early (nothing is stored)
     */
    public void receiveBlob(ObjectId expected, InputStream in, long length) throws IOException {
        ObjectId got;
        try {
            got = LargeBlobs.insert(repo, tmpDir, in, length, blobWorkers, largeBlobReads);
        } catch (IOException e) {
            throw NoSpaceException.translate(e);
        }
        if (!got.equals(expected)) {
            throw new IOException("the bytes sent are the blob " + got.name() + ", not " + expected.name());
        }
    }

    /** Cluster mode: true when the blob {@code id} is durable in this repository (packed or loose). */
    public boolean holdsBlob(ObjectId id) throws IOException {
        return isDurable(id);
    }

    /**
     * Cluster mode: the blob {@code id} of this repository on disk, to ship to another node; the caller closes
     * the stream.
     *
     * @throws org.eclipse.jgit.errors.MissingObjectException when it is not there
     */
    public SizedStream openBlob(ObjectId id) throws IOException {
        ObjectReader reader = repo.newObjectReader();
        try {
            org.eclipse.jgit.lib.ObjectLoader loader = reader.open(id, Constants.OBJ_BLOB);
            InputStream in = loader.openStream();
            return new SizedStream(loader.getSize(), new java.io.FilterInputStream(in) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        reader.close();
                    }
                }
            });
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** A stream of {@code size} bytes. */
    public record SizedStream(long size, InputStream stream) implements java.io.Closeable {
        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    /** What the sends of large blobs share ({@link Snapshot#send}). */
    dev.davit.storage.objects.LargeBlobReads largeBlobReads() {
        return largeBlobReads;
    }

    /**
     * Runs {@code mutation} on the current head and commits the result as one commit by {@code who}.
     * Nothing is published when the mutation throws.
     */
    public <T> WriteResult<T> write(Identity who, String message, Mutation<T> mutation) throws StorageException, IOException {
        return write(who, who, message, mutation);
    }

    /**
     * As {@link #write(Identity, String, Mutation)}, with an author other than the committer (the REST
     * API lets a client name the author, as GitHub's does; the committer stays the authenticated user).
     *
     * <p>Group commit: writers that arrive while a batch is being built queue; the next one to get the
     * lock runs all queued writes as one batch. Each write is still its own commit (its own revision, its
     * own answer, in queue order, each on top of the one before), but the batch pays for one log record,
     * and the batches written while one fdatasync runs share the next ({@link #complete}).
     */
    public <T> WriteResult<T> write(Identity author, Identity committer, String message, Mutation<T> mutation)
            throws StorageException, IOException {
        return write(author, committer, message, null, mutation);
    }

    /**
     * As {@link #write(Identity, Identity, String, Mutation)}, for a request that carries a client's key: in
     * cluster mode the key goes with the commit the write makes, in the same entry of the replicated log, and
     * every node's {@link KeyedWrites} learns it when that entry is applied. A single node ignores it.
     *
     * @param key null for none
     */
    public <T> WriteResult<T> write(Identity author, Identity committer, String message, WriteKey key, Mutation<T> mutation)
            throws StorageException, IOException {
        PendingWrite<T> w = new PendingWrite<>(author, committer, message, key, mutation);
        queue.add(w);
        while (!w.taken) {
            InFlight batch;
            writeLock.lock();
            try {
                if (w.taken) {
                    break;
                }
                batch = runBatch();
            } finally {
                writeLock.unlock();
            }
            if (batch != null) {
                complete(batch); // its sync, without the write lock: the next batch is built meanwhile
            }
        }
        w.awaitDone();
        return w.outcome();
    }

    /**
     * A batch written to the log and not yet answered: {@code pending} is its record (or a marker behind the
     * records it was built on, when it committed nothing).
     */
    private record InFlight(List<PendingWrite<?>> writes, CommitLog.Pending pending, List<NewObject> objects, int commits) {
    }

    /**
     * Guarded by the write lock: the head of the last batch written to the log, and the log's generation then.
     * The next batch builds on it even before it is synced (see {@link #complete}); when the log lost it (a
     * failed sync: the generation moved), on the head that was published before.
     */
    private ObjectId building;
    private long buildingGeneration;
    /** Guarded by the write lock: the last batch's record, or null. */
    private CommitLog.Pending lastWritten;

    /**
     * Under the write lock: takes the queued writes (at least the caller's) and builds and writes their batch;
     * returns it to be {@link #complete completed} without the lock, or null when every write of it is answered.
     */
    private InFlight runBatch() {
        List<PendingWrite<?>> batch = new ArrayList<>();
        for (PendingWrite<?> w; batch.size() < MAX_BATCH && (w = queue.poll()) != null; ) {
            w.taken = true;
            batch.add(w);
        }
        try {
            return commitBatch(batch);
        } catch (IOException e) {
            IOException reported = NoSpaceException.translate(e);
            for (PendingWrite<?> w : batch) {
                w.fail(reported);
            }
        } catch (RuntimeException | Error e) {
            for (PendingWrite<?> w : batch) {
                w.fail(e);
            }
        }
        return null;
    }

    /**
     * Waits until the batch's record is synced (one fdatasync for every record written meanwhile: PostgreSQL's
     * group flush) and published (head, index, disk writer: in the log's order, by whichever thread synced it),
     * then answers its writes. While this waits the write lock is free, so the next batch is built and written
     * on this one's head: at 4 connections the server waited on the lock with a third of both cores idle
     * (per-thread CPU of wrk's 1 KiB PUTs into a folder of ~10,000 files), as every batch held it through its
     * fdatasync. A write is still answered only once its record and every record before it are durable; when a
     * sync fails, the batches written on it fail too (the log's generation).
     */
    private void complete(InFlight f) {
        try {
            log.awaitDurable(f.pending());
        } catch (IOException e) {
            dropUnpublished(f.objects());
            IOException reported = NoSpaceException.translate(e);
            for (PendingWrite<?> w : f.writes()) {
                if (w.error == null) {
                    w.fail(reported);
                } else {
                    w.finish(); // failed alone already
                }
            }
            return;
        }
        answer(f.writes(), f.commits());
    }

    /** Answers a batch's writes, which made {@code commits} commits, once they are committed and published. */
    private void answer(List<PendingWrite<?>> writes, int commits) {
        if (commits > 0) {
            batches.incrementAndGet();
            saveIndexLater();
        }
        Maintenance m = maintenance;
        for (int i = 0; i < commits; i++) {
            if (m != null) {
                m.committed(this); // queues a repack; never waits for one
            }
            onCommit.run();
        }
        writes.forEach(PendingWrite::finish);
    }

    /** Under the write lock: syncs and publishes every batch written, so that the published head is all there is. */
    private void drainLocked() {
        log.drain();
        building = null;
        lastWritten = null;
    }

    /** A commit and its tree. */
    private record CommitTree(ObjectId commit, ObjectId tree) {
    }

    /**
     * The last batch's head and its tree, so that the next batch, which nearly always starts there, need not
     * read the commit: a RevWalk per batch (it reads a system property as it is made) and the parse were ~1.5%
     * of a PUT's thread (JFR, 9,000 sequential PUTs).
     */
    private volatile CommitTree lastCommitTree;

    private ObjectId treeOf(ObjectReader reader, ObjectId commit) throws IOException {
        CommitTree last = lastCommitTree;
        if (last != null && last.commit().equals(commit)) {
            return last.tree();
        }
        try (RevWalk rw = new RevWalk(reader)) {
            return rw.parseCommit(commit).getTree().copy();
        }
    }

    private InFlight commitBatch(List<PendingWrite<?>> batch) throws IOException {
        applier.awaitRoom(DISK_WAIT_NANOS);
        long generation = log.generation();
        CommitLog.Pending before = lastWritten;
        // On the last batch written while it waits for its sync; on the published head when there is none (or the
        // log lost it), which also sees a change someone made to the branch on disk.
        boolean onUnsynced = before != null && !before.published() && buildingGeneration == generation;
        ObjectId start = onUnsynced ? building : headId();
        // The packs as last looked at (packs()): one written since is not asked, which costs a duplicate at most.
        java.util.Collection<org.eclipse.jgit.internal.storage.file.Pack> packs = packs();
        BatchInserter.Durable packed = id -> applier.holds(id) || unpublished.containsKey(id) || StoredObjects.inPacks(packs, id);
        try (BatchInserter ins = new BatchInserter(newReader(), packed, cache); ObjectReader reader = newReader()) {
            ObjectId head = start;
            // The tree of the head as the batch goes on: known from each commit made, never read back.
            ObjectId baseTree = start == null ? null : treeOf(reader, start);
            List<PendingWrite<?>> committed = new ArrayList<>();
            List<LastModifiedIndex.Made> commits = new ArrayList<>();
            List<WriteKey.Commit> keys = new ArrayList<>();
            List<ObjectId> outside = new ArrayList<>();
            for (PendingWrite<?> w : batch) {
                w.reset();
                try {
                    TreeEdit edit = new TreeEdit(reader, ins, baseTree, parsedTrees);
                    Object value = w.mutation.apply(edit);
                    ObjectId tree = edit.writeTree();
                    if (head != null && tree.equals(baseTree)) {
                        w.result(head, false, value);
                        continue;
                    }
                    RepositorySizes limit = sizes;
                    if (limit != null) {
                        // Here, not in each front end: every write of every front end commits through this point,
                        // and the tree it would publish is known exactly (a chunked body, a COPY, a REST batch).
                        limit.checkCommit(reader, baseTree, tree);
                    }
                    List<ObjectId> shippedBlobs = takePlacedBlobs(edit, ins);
                    CommitBuilder cb = new CommitBuilder();
                    Instant now = Instant.now();
                    cb.setAuthor(new PersonIdent(w.author.name(), w.author.email(), now, TimeZone.getDefault().toZoneId()));
                    cb.setCommitter(new PersonIdent(w.committer.name(), w.committer.email(), now, TimeZone.getDefault().toZoneId()));
                    cb.setMessage(w.message); // as given: a REST client reads its message back exactly as sent
                    cb.setTreeId(tree);
                    if (head != null) {
                        cb.setParentId(head);
                    }
                    ObjectId commit = ins.insert(cb);
                    commits.add(new LastModifiedIndex.Made(commit, head == null ? null : baseTree, tree, now.getEpochSecond()));
                    head = commit;
                    baseTree = tree;
                    committed.add(w);
                    outside.addAll(shippedBlobs);
                    if (w.key != null) {
                        keys.add(new WriteKey.Commit(w.key, commit));
                    }
                    w.result(commit, true, value);
                } catch (StorageException | IOException | RuntimeException e) {
                    w.error = e; // this write fails alone; the batch goes on without it
                }
            }
            if (committed.isEmpty()) {
                if (onUnsynced) {
                    // Answered with a head not yet durable: not before it is (nor when it is lost).
                    return new InFlight(batch, log.after(generation, null), List.of(), 0);
                }
                batch.forEach(PendingWrite::finish);
                return null;
            }
            List<NewObject> objects = ins.handOver();
            CommitLog.Record record = new CommitLog.Record(BRANCH, start, head, objects);
            CommitPoint replicated = commitPoint;
            if (replicated != null) {
                // What this batch made, for the last-modified index when the entry is applied here (applyReplicated).
                madeHere = new MadeHere(head, start, commits);
                try {
                    commitReplicated(replicated, record, keys, outside); // applied here (applyReplicated) when it returns
                } finally {
                    madeHere = null;
                }
                lastCommitTree = new CommitTree(head, baseTree);
                answer(batch, committed.size());
                return null;
            }
            ObjectId newHead = head;
            CommitLog.Pending pending;
            holdUnpublished(objects); // before the write: another thread's sync may publish it at once
            try {
                // The commit point: once this record is synced (complete), the writes are acknowledged.
                pending = log.write(record, generation, () -> {
                    // The index before the head: a request that meets the new head finds the index there (it
                    // would otherwise replay the commits itself, the slower way, while this thread waits for it).
                    appendToIndex(start, commits);
                    memHead = newHead;
                    applier.enqueue(new DiskApplier.Batch(start, newHead, objects, true));
                    releaseUnpublished(objects);
                });
            } catch (IOException | RuntimeException e) {
                dropUnpublished(objects);
                throw e;
            }
            building = newHead;
            buildingGeneration = generation;
            lastWritten = pending;
            lastCommitTree = new CommitTree(head, baseTree);
            return new InFlight(batch, pending, objects, committed.size());
        }
    }

    /**
     * Cluster mode's commit point: the record is committed once the replicated log says so, and it is
     * published here (log, head, applier) by {@link #applyReplicated}, on this node as on every other, in the
     * log's order. Nothing is published before that, so a write the log refuses leaves no trace here.
     */
    private void commitReplicated(CommitPoint replicated, CommitLog.Record record, List<WriteKey.Commit> keys,
                                  List<ObjectId> outside) throws IOException {
        long bytes = 0;
        for (NewObject o : record.objects()) {
            bytes += o.bytes().length + 25L;
        }
        try {
            if (bytes > replicated.maxRecordBytes()) {
                // Log entries hold their objects in memory (large blobs go outside them): 413, not a full disk's 507.
                throw new WriteTooLargeException("cluster mode takes at most " + (replicated.maxRecordBytes() >> 20)
                        + " MiB in one write; this one holds " + bytes + " bytes", replicated.maxRecordBytes(), null);
            }
            replicated.commit(this, record, keys, outside);
        } catch (IOException | RuntimeException e) {
            for (NewObject o : record.objects()) {
                if (!applier.holds(o.id())) {
                    cache.unpin(o.id()); // never published (an entry applied after a time-out keeps its pins)
                }
            }
            throw e;
        }
    }

    /**
     * What {@code mutation} gave when it made {@code commit}: it is run again on the tree that commit was made
     * on (its first parent's), and nothing is written or published (its objects go to a scratch cache and are
     * dropped). Cluster mode rebuilds a keyed write's answer this way on whichever node leads now, from the
     * commit the key came with, so that a client that lost the answer gets it, not a conflict with its own write.
     * The mutation is the same request's: given the same tree it makes the same tree, which is checked.
     *
     * @throws IllegalStateException when it does not make {@code commit}'s tree (it is not what made that commit)
     */
    public <T> WriteResult<T> rerun(ObjectId commit, Mutation<T> mutation) throws StorageException, IOException {
        ObjectCache scratch = new ObjectCache(1L << 20);
        try (ObjectReader walkReader = newReader(); RevWalk rw = new RevWalk(walkReader);
             BatchInserter ins = new BatchInserter(scratch.wrap(newReader()), id -> false, scratch);
             ObjectReader reader = scratch.wrap(newReader())) {
            RevCommit made = rw.parseCommit(commit);
            ObjectId base = made.getParentCount() == 0 ? null : rw.parseCommit(made.getParent(0)).getTree().copy();
            TreeEdit edit = new TreeEdit(reader, ins, base);
            T value = mutation.apply(edit);
            if (!edit.writeTree().equals(made.getTree())) {
                throw new IllegalStateException("run again on the parent of " + commit.name() + ", this write does not make its tree");
            }
            return new WriteResult<>(made.copy(), true, value);
        }
    }

    /** True when {@code commit} is the branch's head or one of its ancestors (not a record the log refused). */
    public boolean inHistory(ObjectId commit) throws IOException {
        ObjectId head = headId();
        if (head == null) {
            return false;
        }
        try (ObjectReader reader = newReader(); RevWalk rw = new RevWalk(reader)) {
            return rw.isMergedInto(rw.parseCommit(commit), rw.parseCommit(head));
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            return false; // never stored here: the record that held it was refused
        }
    }

    /** What {@link #applyReplicated} did with a record. */
    public enum Applied {
        /** The record moved the branch (its old head was the head). */
        APPLIED,
        /** The record's old head was not the head: it was built on a state that another record replaced. Nothing changed. */
        STALE
    }

    /**
     * Applies a record that the replicated log committed (cluster mode), on every node in the log's order:
     * it moves the branch only when its old head is the head, so every node takes the same records and
     * refuses the same ones; a record seen again (the log replayed after a restart) finds the head moved past
     * it and changes nothing. Applied records go to this node's own commit log first, so a restart finds them
     * even before the bare repository has them; not synced there, as the replicated log holds them durably: a
     * power cut that takes some from this log has them applied again at the restart (the replicated log is
     * replayed from the last snapshot, which is taken only once the repositories on disk hold everything before
     * it). A sync per applied record was a second fsync on every write's path (the leader answers once it has
     * applied it): 2-7 ms each with three nodes on one busy disk, JFR of sequential PUTs.
     */
    public Applied applyReplicated(CommitLog.Record record) throws IOException {
        if (!BRANCH.equals(record.ref())) {
            // Another branch or a tag, straight to disk, once the disk writer has written every record before it:
            // the record leaves out what main reaches, which may still be in the writer's queue (JGit refuses a ref
            // to an object it cannot find, and a process reading the repository must never meet a ref whose
            // history is missing). Pushes only wait for this, never a write.
            applyToDisk();
            return otherRefs.apply(record);
        }
        synchronized (log) {
            ObjectId head = headId();
            if (!java.util.Objects.equals(head, record.oldHead())) {
                return Applied.STALE;
            }
            log.append(record, false);
            // The index before the head, as a single node does it: on the node that made the record (the leader),
            // from what its writer knows of each commit. Elsewhere the record does not list its commits' trees,
            // and the next read replays them (LastModifiedIndex#catchUp), which on a leader meant parsing each
            // commit again and walking its ancestry on the next request: ~14% of a leader's request samples
            // under sequential PUTs (JFR).
            MadeHere made = madeHere;
            if (made != null && made.head().equals(record.newHead()) && java.util.Objects.equals(made.start(), record.oldHead())) {
                appendToIndex(made.start(), made.commits());
            }
            memHead = record.newHead();
            applier.enqueue(new DiskApplier.Batch(record.oldHead(), record.newHead(), record.objects()));
        }
        return Applied.APPLIED;
    }

    /**
     * Cluster mode: makes this repository's branch the one another node serves over git smart HTTP at
     * {@code url} (with {@code headers}), for a node that fell behind the start of the replicated log and can no
     * longer catch up from it. JGit fetches the other node's objects (only those missing here: this node's
     * branch is offered as what it has); the received pack is fsynced; then the branch moves here to the other's
     * head as a replicated record would move it (this repository's own log first, then the disk writer), and
     * this waits until that is on disk. The other node is ahead of this one (it applied every entry this one
     * did, and more), so the move is a fast-forward. Its other branches and tags (pushed with git) become this
     * node's as they are there, those it no longer has dropped ({@link ReplicatedRefs#adopt}).
     *
     * @param connections how JGit connects to {@code url} (the nodes' own TLS), or null for its default
     * @return the other node's head, now this one's (null: it has no commit yet, and nothing changed here)
     */
    public ObjectId catchUpFrom(String url, java.util.Map<String, String> headers,
                                org.eclipse.jgit.transport.http.HttpConnectionFactory connections) throws IOException {
        ObjectId target;
        java.util.Map<String, ObjectId> others = new java.util.HashMap<>();
        try (org.eclipse.jgit.transport.Transport t = org.eclipse.jgit.transport.Transport.open(repo,
                new org.eclipse.jgit.transport.URIish(url))) {
            if (t instanceof org.eclipse.jgit.transport.TransportHttp http) {
                http.setAdditionalHeaders(headers);
                if (connections != null) {
                    http.setHttpConnectionFactory(connections); // the nodes' own TLS (cluster.tls.*)
                }
            }
            t.setTimeout(60);
            // The other branches and tags (pushed with git) by name: a wildcard without a destination is refused.
            List<org.eclipse.jgit.transport.RefSpec> specs = new ArrayList<>(List.of(new org.eclipse.jgit.transport.RefSpec(BRANCH)));
            try (org.eclipse.jgit.transport.FetchConnection listing = t.openFetch()) {
                for (org.eclipse.jgit.lib.Ref r : listing.getRefs()) {
                    if (ReplicatedRefs.isOtherRef(r)) {
                        specs.add(new org.eclipse.jgit.transport.RefSpec(r.getName()));
                    }
                }
            }
            // No destination: no ref of this repository moves here; the branch moves below, through the log,
            // and the others once the objects are synced.
            org.eclipse.jgit.transport.FetchResult fetched = t.fetch(org.eclipse.jgit.lib.NullProgressMonitor.INSTANCE, specs);
            org.eclipse.jgit.lib.Ref advertised = fetched.getAdvertisedRef(BRANCH);
            target = advertised == null ? null : advertised.getObjectId();
            for (org.eclipse.jgit.lib.Ref r : fetched.getAdvertisedRefs()) {
                if (ReplicatedRefs.isOtherRef(r)) {
                    others.put(r.getName(), r.getObjectId());
                }
            }
        } catch (java.net.URISyntaxException e) {
            throw new IOException("not a URL: " + url, e);
        }
        Path packDir = repo.getDirectory().toPath().resolve("objects").resolve("pack");
        if (Files.isDirectory(packDir)) {
            PackFiles.force(packDir, PackFiles.names(packDir)); // JGit renamed the received pack into place unsynced
        }
        otherRefs.adopt(others);
        if (target == null) {
            return null;
        }
        try (ObjectReader reader = repo.newObjectReader()) {
            if (!reader.has(target)) {
                throw new IOException(owner + "/" + name + ": the fetch from " + url + " did not bring its head " + target.name());
            }
        }
        writeLock.lock();
        try {
            drainLocked();
            synchronized (log) {
                ObjectId head = headId();
                if (!target.equals(head)) {
                    log.append(new CommitLog.Record(BRANCH, head, target, List.of()));
                    memHead = target;
                    applier.enqueue(new DiskApplier.Batch(head, target, List.of()));
                }
            }
        } finally {
            writeLock.unlock();
        }
        applyToDisk();
        return target;
    }

    /**
     * Brings the last-modified index to the batch's commits. Never fails the writes, which are committed: an
     * index left behind replays them on the next read ({@link LastModifiedIndex#catchUp}).
     */
    private void appendToIndex(ObjectId start, List<LastModifiedIndex.Made> commits) {
        try {
            times.append(start, commits);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}/{}: the last-modified index is behind ({}); the next read brings it up to date", owner, name, e.toString());
        }
    }

    /**
     * The blobs a write placed must be durable with its commit: an uploaded one still in memory joins the
     * batch's record. One that is neither there nor durable (dropped while the upload waited) fails the
     * write rather than commit a tree whose blob is missing.
     *
     * @return cluster mode: the large blobs the write placed that are loose in this node's repository only as
     *         far as this node knows (an upload streamed here, a copy of one): durable on a majority of nodes
     *         now ({@link CommitPoint#shipBlob}, done by the upload already or here), they go outside the record.
     *         Packed objects came by records, or with a record that named them, already.
     */
    private List<ObjectId> takePlacedBlobs(TreeEdit edit, BatchInserter ins) throws IOException {
        List<ObjectId> outside = List.of();
        for (ObjectId id : edit.placedBlobs()) {
            if (ins.contains(id)) {
                continue;
            }
            PendingBlob p = pendingBlobs.remove(id);
            if (p != null) {
                pendingBytes.addAndGet(-p.object().weight());
                ins.adopt(p.object());
            } else if (!isDurable(id) && !StoredObjects.inPacks(repo, id)) {
                // A second look at the packs as JGit has them now, before refusing: the list isDurable asks may
                // not have the pack that took the blob since the upload found it held (another process's
                // repack, or a merge's pack that replaced the listed ones).
                throw new IOException("blob " + id.name() + " of this write is no longer held (too many uploads waited at once); send it again");
            } else if (commitPoint != null && !applier.holds(id) && StoredObjects.isLoose(repo, id)) {
                if (shipped.remove(id) == null) {
                    commitPoint.shipBlob(this, id); // not shipped by its upload (or forgotten): a node that has it answers at once
                }
                if (outside.isEmpty()) {
                    outside = new ArrayList<>();
                }
                outside.add(id.copy());
            }
        }
        return outside;
    }

    /** After the applier moved the branch on disk. */
    private void appliedToDisk() {
        headRef.forget();
        Maintenance m = maintenance;
        if (m != null) {
            m.packed(this);
        }
    }

    /**
     * Brings the bare repository on disk up to date with every acknowledged write and waits for it (git
     * smart HTTP calls it before it serves, so clones, fetches and pushes see what WebDAV and REST see).
     */
    @Override
    public void applyToDisk() throws IOException {
        applier.awaitApplied(DISK_WAIT_NANOS);
    }

    /** Something that changes the repository on disk directly (a push), run by {@link #exclusive}. */
    public interface DiskChange<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code change} with no write of this server in flight and the repository on disk up to date,
     * then takes the branch as it left it. A push updates refs this way: it competes with WebDAV and REST
     * writes like any writer, by compare-and-swap of the branch on disk.
     */
    public <T> T exclusive(DiskChange<T> change) throws IOException {
        if (commitPoint != null) {
            // A change on this node's disk alone would never reach the others: in cluster mode a push moves the
            // branch through the replicated log instead (pushReplicated).
            throw new IOException("in cluster mode the repository changes only through the replicated log");
        }
        writeLock.lock();
        try {
            drainLocked();
            applyToDisk();
            try {
                return change.run();
            } finally {
                headRef.forget();
                repo.getRefDatabase().refresh();
                memHead = headRef.read();
                lookAtPacks(); // a push received one
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Cluster mode: commits a front end's note about this repository through the replicated log, and returns
     * once it is applied here by the keeper of its kind ({@link NoteKeeper}).
     *
     * @throws NotCommittedException when the log did not commit it
     */
    public void commitNote(String kind, byte[] note) throws IOException {
        CommitPoint replicated = commitPoint;
        if (replicated == null) {
            throw new IllegalStateException("notes are replicated in cluster mode only");
        }
        replicated.commitNote(this, kind, note);
    }

    /** True in cluster mode: the branch moves only through the replicated log ({@link #pushReplicated}). */
    public boolean replicated() {
        return commitPoint != null;
    }

    /**
     * Cluster mode's push of the branch from {@code oldId} (null or zero: a new branch) to {@code newId}, whose
     * objects are in the repository on disk already (the pack git sent, received but not yet referenced): one
     * record holding every object reachable from the new head and not from the old one, read raw from the
     * repository (but files over {@value #SMALL_BLOB} bytes: shipped to a majority of nodes first and named
     * outside the record, as uploads' are), and the branch's move, committed through the replicated log like any batch of writes
     * ({@link #commitReplicated}), under the write lock so that it queues with the other writers. Nothing moves
     * here: the committed record moves the branch on every node ({@link #applyReplicated}), this one included.
     *
     * @return false, with nothing done, when the branch is no longer at {@code oldId} (a write came first)
     * @throws WriteTooLargeException when the push holds more than the log takes in one record
     * @throws NotCommittedException when the cluster did not commit it (the branch has not moved here)
     */
    private boolean pushReplicated(ObjectId oldId, ObjectId newId) throws IOException {
        CommitPoint replicated = commitPoint;
        if (replicated == null) {
            throw new IllegalStateException("not in cluster mode");
        }
        ObjectId expected = oldId == null || ObjectId.zeroId().equals(oldId) ? null : oldId.copy();
        writeLock.lock();
        try {
            if (!java.util.Objects.equals(headId(), expected)) {
                return false;
            }
            ReplicatedRefs.Pushed pushed;
            try (ObjectReader reader = newReader()) {
                // Every node holds what the branch's old head and the other branches and tags reach (a feature
                // branch merged into main sends only the merge).
                List<ObjectId> known = new ArrayList<>(otherRefs.tips(BRANCH));
                if (expected != null) {
                    known.add(expected);
                }
                pushed = ReplicatedRefs.collect(reader, newId.copy(), known, replicated.maxRecordBytes(), SMALL_BLOB,
                        blob -> replicated.shipBlob(this, blob));
            }
            commitReplicated(replicated, new CommitLog.Record(BRANCH, expected, newId.copy(), pushed.objects()), List.of(), pushed.outside());
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Cluster mode's push to {@code ref}, a branch or tag other than the served branch, from {@code oldId} (null or
     * zero: a new ref) to {@code newId} (null or zero: deleted): one record holding the objects reachable from the
     * new id and from no head every node holds (the branch, the other refs, the old id), large files shipped to a
     * majority first, committed through the replicated log; every node, this one included, then moves the ref on
     * its disk by compare-and-swap ({@link ReplicatedRefs#apply}). Not under the write lock: the branch does not
     * move, and the log orders pushes to the same ref (the second one built on the first's old id changes nothing).
     *
     * @return false, with nothing done, when the ref is no longer at {@code oldId}
     * @throws WriteTooLargeException when the push holds more than the log takes in one record
     * @throws NotCommittedException when the cluster did not commit it, or another push to the ref came first
     */
    public boolean pushRefReplicated(String ref, ObjectId oldId, ObjectId newId) throws IOException {
        CommitPoint replicated = commitPoint;
        if (replicated == null) {
            throw new IllegalStateException("not in cluster mode");
        }
        if (BRANCH.equals(ref)) {
            return pushReplicated(oldId, newId);
        }
        if (!ReplicatedRefs.replicable(ref)) {
            throw new IllegalArgumentException(ref + " is neither a branch nor a tag");
        }
        ObjectId expected = oldId == null || ObjectId.zeroId().equals(oldId) ? null : oldId.copy();
        ObjectId target = newId == null || ObjectId.zeroId().equals(newId) ? null : newId.copy();
        if (!java.util.Objects.equals(otherRefs.valueOf(ref), expected)) {
            return false;
        }
        List<ObjectId> known = new ArrayList<>(otherRefs.tips(ref));
        ObjectId head = headId();
        if (head != null) {
            known.add(head);
        }
        if (expected != null) {
            known.add(expected);
        }
        ReplicatedRefs.Pushed pushed;
        try (ObjectReader reader = newReader()) {
            pushed = ReplicatedRefs.collect(reader, target, known, replicated.maxRecordBytes(), SMALL_BLOB,
                    blob -> replicated.shipBlob(this, blob));
        }
        replicated.commit(this, new CommitLog.Record(ref, expected, target, pushed.objects()), List.of(), pushed.outside());
        return true;
    }

    /**
     * Whether a replicated record would change something here: its ref (the served branch, or another branch or
     * tag) is at its old id. Entries are applied one at a time, so this holds until the record is applied.
     */
    public boolean applicable(CommitLog.Record record) throws IOException {
        return BRANCH.equals(record.ref()) ? java.util.Objects.equals(headId(), record.oldHead())
                : java.util.Objects.equals(otherRefs.valueOf(record.ref()), record.oldHead());
    }

    /** Batches committed since the repository opened (a batch holds one or more commits). */
    long batchesCommitted() {
        return batches.get();
    }

    /** One queued write and, once its batch ran, its outcome. */
    private static final class PendingWrite<T> {
        final Identity author;
        final Identity committer;
        final String message;
        final Mutation<T> mutation;
        /** The client's key (cluster mode replicates it with the commit), or null. */
        final WriteKey key;
        /** Set under the write lock when a batch takes it: from then on that batch's thread answers it. */
        volatile boolean taken;
        /** Counted down once the outcome is set (by the batch's thread): the owner reads it after. */
        private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        WriteResult<T> result;
        Throwable error;

        PendingWrite(Identity author, Identity committer, String message, WriteKey key, Mutation<T> mutation) {
            this.author = author;
            this.committer = committer;
            this.message = message;
            this.key = key;
            this.mutation = mutation;
        }

        void reset() {
            result = null;
            error = null;
        }

        @SuppressWarnings("unchecked")
        void result(ObjectId revision, boolean committed, Object value) {
            result = new WriteResult<>(revision, committed, (T) value);
        }

        void finish() {
            done.countDown();
        }

        void fail(Throwable e) {
            result = null;
            error = e;
            done.countDown();
        }

        /** Waits for the batch that took it to answer it (its sync may take a while on a busy disk; never forever). */
        void awaitDone() {
            // The write is committed or not by the batch regardless: its outcome is the answer.
            dev.davit.storage.objects.Latches.awaitUninterruptibly(done);
        }

        WriteResult<T> outcome() throws StorageException, IOException {
            if (error instanceof StorageException se) {
                throw se;
            }
            if (error instanceof IOException ioe) {
                throw ioe;
            }
            if (error instanceof RuntimeException re) {
                throw re;
            }
            if (error instanceof Error err) {
                throw err;
            }
            return result;
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Times of {@code path} at {@code head}, the current head of a {@link Snapshot} ({@code fallback} where unknown). */
    Timestamps times(RepoPath path, ObjectId head, Instant fallback) throws IOException {
        return times.times(path, head, true, fallback);
    }

    /** As {@link #times}, the last change only (it is found in the recent history more often than the creation). */
    Instant modified(RepoPath path, ObjectId head, Instant fallback) throws IOException {
        return times.times(path, head, false, fallback).modified();
    }

    /**
     * Times of {@code path} as of {@code commit}, a past state. The index knows the latest change; when
     * that is not later than {@code commit} it is also the answer for the past, otherwise the history
     * from {@code commit} is walked for the last commit that touched the path (reads of past states are
     * rare; reads of the head never walk).
     */
    Timestamps timesAt(RepoPath path, RevCommit commit) throws IOException {
        ObjectId head = headId();
        if (head != null) {
            times.awaitIndex(head); // what follows reads the index as of the head
        }
        Instant at = Instant.ofEpochSecond(commit.getCommitTime());
        Timestamps latest = index.get(path, at);
        if (!latest.modified().isAfter(at) && !latest.created().isAfter(at)) {
            return latest;
        }
        Instant modified = at;
        if (!path.isRoot()) {
            try (RevWalk rw = new RevWalk(newReader())) {
                rw.setTreeFilter(org.eclipse.jgit.treewalk.filter.AndTreeFilter.create(
                        org.eclipse.jgit.treewalk.filter.PathFilter.create(path.toString()),
                        org.eclipse.jgit.treewalk.filter.TreeFilter.ANY_DIFF));
                rw.markStart(rw.parseCommit(commit));
                RevCommit last = rw.next();
                if (last != null) {
                    modified = Instant.ofEpochSecond(last.getCommitTime());
                }
            }
        }
        Instant created = latest.created().isAfter(at) ? modified : latest.created();
        return new Timestamps(created.isAfter(modified) ? modified : created, modified);
    }

    void maintenance(Maintenance m) {
        this.maintenance = m;
    }

    void sizes(RepositorySizes s) {
        this.sizes = s;
    }

    void commitPoint(CommitPoint c) {
        this.commitPoint = c;
        sideFiles.replicate(c == null ? null : new SideFiles.Replication() {
            @Override
            public boolean commit(SideFiles.Change change) throws IOException {
                return c.commitSide(GitRepository.this, change);
            }

            @Override
            public long maxBytes() {
                return c.maxRecordBytes();
            }
        });
    }

    /** The size of this repository's files and the limit on it (for a push's check), or null when none is kept. */
    public RepositorySizes sizes() {
        return sizes;
    }

    /** Small files at the head, remembered for reads until the head moves (see {@link HeadFiles}). */
    public HeadFiles headFiles() {
        return headFiles;
    }

    /** Files kept beside this repository instead of in it (desktop junk). */
    public SideFiles sideFiles() {
        return sideFiles;
    }

    /** Tree {@code id} parsed, shared by the views and edits of this repository ({@link ParsedTrees}). */
    RawTree parsedTree(ObjectReader reader, ObjectId id) throws IOException {
        return parsedTrees.get(reader, id);
    }

    /**
     * The bytes of blob {@code id} (for a merge inside a {@link Mutation}).
     *
     * @throws NotFoundException when no such blob is stored here
     */
    public byte[] readBlob(ObjectId id) throws IOException, NotFoundException {
        try (ObjectReader reader = newReader()) {
            return reader.open(id, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE);
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            throw new NotFoundException(RepoPath.ROOT, "no blob " + id.name() + " in " + owner + "/" + name);
        }
    }

    /**
     * An object reader that serves trees and commits from the {@link ObjectCache}, and objects of
     * acknowledged writes that are not yet on disk. Every reader of this repository's objects in this
     * process must be one of these.
     */
    public ObjectReader newReader() {
        return cache.wrap(repo.newObjectReader());
    }

    /**
     * The JGit repository on disk, brought up to date with every acknowledged write first (for front ends
     * that speak git itself, and for tests that look at the disk). If the disk cannot catch up (a full disk),
     * it is returned as it is, behind the log.
     */
    public Repository jgit() {
        try {
            applyToDisk();
        } catch (IOException e) {
            LOG.warn("{}/{}: the repository on disk is behind the commit log: {}", owner, name, e.toString());
        }
        return repo;
    }

    /** The bare repository's folder (for files kept beside the repository, never inside its git data). */
    public Path gitDir() {
        return repo.getDirectory().toPath();
    }

    /** The JGit repository on disk as it is (possibly behind the log): for code that knows it need not wait. */
    @Override
    public Repository disk() {
        return repo;
    }

    /**
     * A push's ref updates, run {@link #exclusive exclusively}: the received pack is durable before any ref
     * moves (its files and the folder are synced here: JGit renamed them into place unsynced; the other
     * packs are clean, so syncing them costs next to nothing), and the moved refs are durable before this returns (JGit synced each ref file before
     * its rename, {@code core.fsyncRefFiles}; their names need their folders' sync, and packed-refs, rewritten
     * when a ref is deleted, the repository folder's). So git hears "ok" only for what survives a power cut.
     *
     * @param updateRefs moves the refs and returns the names of those it moved
     */
    public void push(DiskChange<java.util.Collection<String>> updateRefs) throws IOException {
        exclusive(() -> {
            Path gitDir = repo.getDirectory().toPath();
            Path packDir = gitDir.resolve("objects").resolve("pack");
            if (Files.isDirectory(packDir)) {
                PackFiles.force(packDir, PackFiles.names(packDir));
            }
            otherRefs.forceRefFolders(updateRefs.run());
            return null;
        });
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            drainLocked(); // every acknowledged write published, so that the disk writer gets it
        } finally {
            writeLock.unlock();
        }
        try {
            applyToDisk();
        } catch (IOException e) {
            LOG.warn("closing {}/{} with writes not yet on disk (the commit log keeps them for the next start): {}", owner, name, e.toString());
        }
        applier.close(DISK_WAIT_NANOS);
        times.close();
        saveIndex();
        try {
            log.close();
            if (applier.upToDate()) {
                log.trim(Long.MAX_VALUE);
            }
        } catch (IOException e) {
            LOG.error("closing the commit log of {}/{}: {}", owner, name, e.toString());
        }
        repo.close();
    }
}
