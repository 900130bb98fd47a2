package dev.davit.storage;

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
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
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
public final class GitRepository implements AutoCloseable {
    public static final String BRANCH = Constants.R_HEADS + "main";
    private static final int MAX_ATTEMPTS = 16;

    private final String owner;
    private final String name;
    private final Repository repo;
    private final Path tmpDir;
    /** Largest blob that is journaled instead of synced by itself. */
    static final int SMALL_BLOB = 1 << 20;
    /** Most writes one batch takes (its journal record holds their objects). */
    private static final int MAX_BATCH = 256;
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingWrite<?>> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Small blobs from insertBlob not yet in a journal record (most not yet a file either: pinned in the cache). */
    private final java.util.concurrent.ConcurrentHashMap<ObjectId, LooseObject> pendingBlobs = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bytes of pending blobs held only in memory, and the most that may be. */
    private final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
    private static final long MAX_PENDING_BYTES = 64L << 20;
    private final Path objectsDir;
    private final CommitJournal journal;
    /** Trees and commits recently read or written (loose objects have no cache in JGit). */
    private final ObjectCache cache = new ObjectCache(16L << 20);
    /** Batches that moved the branch (each one journal record, one sync, one ref update). */
    private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
    private final LastModifiedIndex index = new LastModifiedIndex();
    private final HeadRef headRef;
    /** The head's commit as last parsed (read only: Snapshot never hands it to a RevWalk). */
    private volatile RevCommit headCommit;
    private final SideFiles sideFiles;
    /** Set once by {@link Repositories} right after opening; counts commits towards a background repack. */
    private volatile Maintenance maintenance;

    private final Runnable onCommit;

    GitRepository(String owner, String name, Repository repo, Runnable onCommit, boolean durable) throws IOException {
        this.onCommit = onCommit;
        this.owner = owner;
        this.name = name;
        this.repo = repo;
        this.tmpDir = repo.getDirectory().toPath().resolve("davit-tmp");
        this.sideFiles = new SideFiles(repo.getDirectory().toPath().resolve("davit-side"));
        Files.createDirectories(tmpDir);
        // Spooled uploads that a crash left behind belong to no write any more.
        try (java.util.stream.Stream<Path> stale = Files.list(tmpDir)) {
            for (Path p : (Iterable<Path>) stale::iterator) {
                Files.deleteIfExists(p);
            }
        }
        this.objectsDir = repo.getDirectory().toPath().resolve("objects");
        this.headRef = new HeadRef(repo, BRANCH);
        Path journalDir = repo.getDirectory().toPath().resolve("davit-journal");
        CommitJournal.recover(repo, journalDir, BRANCH);
        headRef.forget(); // recovery may have moved the branch
        this.journal = new CommitJournal(journalDir, durable, owner + "/" + name);
        index.catchUp(this::newReader, headId());
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }

    /** The current head of the branch, or null before the first commit. */
    public ObjectId headId() throws IOException {
        return headRef.read();
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
            index.catchUp(this::newReader, head);
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
        ObjectId id;
        try {
            id = repo.resolve(rev + "^{commit}");
        } catch (AmbiguousObjectException | MissingObjectException | IncorrectObjectTypeException | RevisionSyntaxException e) {
            throw notFound;
        }
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
     * Stores a blob from a stream. A small one (up to {@value #SMALL_BLOB} bytes, the usual PUT) is written
     * as a loose object without fsync and travels in the journal record of the next batch, so it costs no
     * flush of its own; a large or chunked one is streamed to disk and synced before this returns (its
     * transfer dwarfs the flush), never held in memory.
     */
    public ObjectId insertBlob(InputStream in, long length) throws IOException {
        if (length < 0 || length > SMALL_BLOB) {
            return insertLargeBlob(in, length);
        }
        byte[] data = in.readNBytes((int) length);
        if (data.length != length) {
            throw new IOException("expected " + length + " bytes, got " + data.length);
        }
        LooseObject blob = LooseObject.of(Constants.OBJ_BLOB, data, 0, data.length);
        try (ObjectReader reader = newReader()) {
            if (pendingBlobs.containsKey(blob.id()) || reader.has(blob.id())) {
                // Known id: the bytes must be the same (ObjectIds: the hash detects no collisions itself).
                ObjectIds.requireSame(blob.id(), reader.open(blob.id(), Constants.OBJ_BLOB).getCachedBytes(SMALL_BLOB), data, 0, data.length);
            } else if (pendingBytes.get() > MAX_PENDING_BYTES) {
                // Blobs whose writes never commit (refused later) must not pile up in memory: write this one now.
                blob.writeTo(objectsDir);
                pendingBytes.addAndGet(blob.deflated().length);
                pendingBlobs.put(blob.id(), blob);
                cache.put(blob.id(), Constants.OBJ_BLOB, data);
            } else {
                // Its file is written by the batch that commits it, together with the batch's other files.
                cache.pin(blob.id(), Constants.OBJ_BLOB, data);
                cache.put(blob.id(), Constants.OBJ_BLOB, data); // a GET right after the PUT reads it from memory
                pendingBytes.addAndGet(blob.deflated().length);
                pendingBlobs.put(blob.id(), blob);
            }
        }
        return blob.id();
    }

    private ObjectId insertLargeBlob(InputStream in, long length) throws IOException {
        return LargeBlobs.insert(repo, tmpDir, in, length); // streamed, synced before it returns
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
     * <p>Group commit: writers that arrive while a batch is being made durable queue; the next one to get
     * the lock runs all queued writes as one batch. Each write is still its own commit (its own revision,
     * its own answer, in queue order, each on top of the one before), but the batch pays for one journal
     * record, one fdatasync and one ref update.
     */
    public <T> WriteResult<T> write(Identity author, Identity committer, String message, Mutation<T> mutation)
            throws StorageException, IOException {
        PendingWrite<T> w = new PendingWrite<>(author, committer, message, mutation);
        queue.add(w);
        writeLock.lock();
        try {
            if (!w.done) {
                runBatch();
            }
        } finally {
            writeLock.unlock();
        }
        return w.outcome();
    }

    /** Under the write lock: takes the queued writes (at least the caller's) and commits them. */
    private void runBatch() {
        List<PendingWrite<?>> batch = new ArrayList<>();
        for (PendingWrite<?> w; batch.size() < MAX_BATCH && (w = queue.poll()) != null; ) {
            batch.add(w);
        }
        try {
            commitBatch(batch);
        } catch (IOException | RuntimeException | Error e) {
            for (PendingWrite<?> w : batch) {
                if (!w.done) {
                    w.fail(e);
                }
            }
        }
    }

    private void commitBatch(List<PendingWrite<?>> batch) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ObjectId start = headId();
            try (BatchInserter ins = new BatchInserter(repo, newReader(), cache); ObjectReader reader = newReader();
                 RevWalk rw = new RevWalk(reader)) {
                ObjectId head = start;
                // The tree of the head as the batch goes on: known from each commit made, never read back.
                ObjectId baseTree = start == null ? null : rw.parseCommit(start).getTree().copy();
                List<ObjectId> commits = new ArrayList<>();
                for (PendingWrite<?> w : batch) {
                    w.reset();
                    try {
                        TreeEdit edit = new TreeEdit(reader, ins, baseTree);
                        Object value = w.mutation.apply(edit);
                        ObjectId tree = edit.writeTree();
                        if (head != null && tree.equals(baseTree)) {
                            w.result(head, false, value);
                            continue;
                        }
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
                        head = commit;
                        baseTree = tree;
                        commits.add(commit);
                        w.result(commit, true, value);
                    } catch (StorageException | IOException | RuntimeException e) {
                        w.error = e; // this write fails alone; the batch goes on without it
                    }
                }
                List<LooseObject> blobs = new ArrayList<>();
                for (ObjectId id : new ArrayList<>(pendingBlobs.keySet())) {
                    LooseObject blob = pendingBlobs.remove(id);
                    if (blob != null) {
                        blobs.add(blob);
                    }
                }
                try {
                    // Every file before the record and the ref: a reader outside (git, a clone) never meets a
                    // branch whose objects are missing. Files of refused writes' blobs are written too (garbage
                    // for the repack), so that memory holds no blob that no batch will take.
                    ins.writeFiles(blobs);
                } finally {
                    for (LooseObject b : blobs) {
                        pendingBytes.addAndGet(-b.deflated().length);
                    }
                }
                if (commits.isEmpty()) {
                    batch.forEach(PendingWrite::finish);
                    return;
                }
                List<LooseObject> objects = new ArrayList<>(ins.written());
                objects.addAll(blobs);
                journal.append(BRANCH, start, head, objects);
                RefUpdate ru = repo.updateRef(BRANCH);
                ru.setExpectedOldObjectId(start == null ? ObjectId.zeroId() : start);
                ru.setNewObjectId(head);
                ru.disableRefLog(); // bare repositories keep no reflog; asking JGit re-reads three config files per update
                RefUpdate.Result r = ru.update(rw);
                headRef.forget(); // moved, or lost to a writer outside: either way read it again
                switch (r) {
                    case NEW, FAST_FORWARD -> {
                        batches.incrementAndGet();
                        index.catchUp(this::newReader, head);
                        Maintenance m = maintenance;
                        for (int i = 0; i < commits.size(); i++) {
                            if (m != null) {
                                m.committed(this); // queues a repack; never waits for one
                            }
                            onCommit.run();
                        }
                        batch.forEach(PendingWrite::finish);
                        return;
                    }
                    case LOCK_FAILURE, REJECTED, REJECTED_CURRENT_BRANCH -> {
                        // Lost the swap to a writer outside this process (a push): apply the whole batch
                        // again on the new head; each mutation re-checks its preconditions.
                    }
                    default -> throw new IOException("updating " + BRANCH + " failed: " + r);
                }
            }
        }
        throw new IOException("gave up after " + MAX_ATTEMPTS + " lost compare-and-swaps on " + BRANCH);
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
        /** Written by the batch's thread under the write lock; read by the owner after taking the lock. */
        boolean done;
        WriteResult<T> result;
        Throwable error;

        PendingWrite(Identity author, Identity committer, String message, Mutation<T> mutation) {
            this.author = author;
            this.committer = committer;
            this.message = message;
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
            done = true;
        }

        void fail(Throwable e) {
            result = null;
            error = e;
            done = true;
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

    Timestamps times(RepoPath path, Instant fallback) {
        return index.get(path, fallback);
    }

    /**
     * Times of {@code path} as of {@code commit}, a past state. The index knows the latest change; when
     * that is not later than {@code commit} it is also the answer for the past, otherwise the history
     * from {@code commit} is walked for the last commit that touched the path (reads of past states are
     * rare; reads of the head never walk).
     */
    Timestamps timesAt(RepoPath path, RevCommit commit) throws IOException {
        Instant at = Instant.ofEpochSecond(commit.getCommitTime());
        Timestamps latest = index.get(path, at);
        if (!latest.modified().isAfter(at) && !latest.created().isAfter(at)) {
            return latest;
        }
        Instant modified = at;
        if (!path.isRoot()) {
            try (RevWalk rw = new RevWalk(repo)) {
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

    /** Files kept beside this repository instead of in it (desktop junk). */
    public SideFiles sideFiles() {
        return sideFiles;
    }

    /** Commits, history, diffs and branches of this repository. */
    public History history() {
        return new History(this);
    }

    /** Blobs and trees by id. */
    public GitObjects objects() {
        return new GitObjects(this, history());
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

    /** An object reader that serves trees and commits from the {@link ObjectCache}. */
    ObjectReader newReader() {
        return cache.wrap(repo.newObjectReader());
    }

    /** The JGit repository, for front ends that speak git itself (smart HTTP). */
    public Repository jgit() {
        return repo;
    }

    /**
     * Makes everything written to this repository so far durable (one syncfs).
     * A git push calls it before its new refs are published and again before it reports success, as its
     * pack and refs are written without fsync too.
     */
    public void syncToDisk() throws IOException {
        FileSystemSync.sync(repo.getDirectory().toPath());
    }

    @Override
    public void close() {
        try {
            journal.close();
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(GitRepository.class).error("closing the journal of {}/{}: {}", owner, name, e.toString());
        }
        repo.close();
    }
}
