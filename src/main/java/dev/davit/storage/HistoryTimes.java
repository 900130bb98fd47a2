package dev.davit.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The times of a repository's paths at its head: from its {@link LastModifiedIndex}, kept up to date with every
 * commit. A short way behind the head (a few commits pushed, made outside, or written while the stored index was
 * saved) the index replays the difference on the thread that asks, as before. A long way behind (a repository
 * never opened here, made by git fast-import or a push of a long history; its stored index lost) it is brought up
 * to date in the background instead: replaying 100,000 commits took ~2 s, and the request that opened the
 * repository waited for all of it. Meanwhile a request is answered from {@link FolderHistory} walks of the recent
 * history, which give the index's answers exactly or none; only what they cannot tell within their budget (a
 * creation 50,000 commits back, a line merged in) waits for the index, which was being built from the start.
 * On a single node that start is, where it can be, before the first request: the server opens the repositories
 * whose stored index is not at their head as it starts, and those made outside while it runs once their branch
 * settled ({@link Repositories#indexInBackground}). Thread-safe.
 */
final class HistoryTimes {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HistoryTimes.class);
    /** Commits the index replays on the thread that asks (~25 ms); more are replayed in the background. */
    static final int REPLAY_HERE = 1_000;
    /**
     * What the walks of one head may cost in all before its requests wait for the index instead
     * ({@link FolderHistory.Budget}): units (a commit, 8 KB of trees read) and time. A request the recent
     * history cannot answer waits at most ~0.3 s longer than it would have for the index alone. Not less: on a
     * busy machine, with the walk's code not yet compiled, a file changed 60 commits back took ~130 ms to find,
     * and a request that runs out waits seconds for the index.
     */
    static final int WALK_UNITS = 4_000;
    static final long WALK_NANOS = 300_000_000L;
    /** Folders whose walks are kept per head (a deep listing walks each folder once). */
    private static final int WALKED_FOLDERS = 4_096;

    /** The head of the branch now (null before the first commit). */
    interface Heads {
        ObjectId get() throws IOException;
    }

    private final LastModifiedIndex index;
    private final Supplier<ObjectReader> readers;
    private final Heads heads;
    private final Executor builds;
    private final Runnable onBuilt;
    private final String name;
    private final java.util.function.LongSupplier nanoTime;
    /** The build under way, or null. */
    private volatile Build build;
    /** The walks of the last head asked for while a build was under way. */
    private volatile Walks walks;
    /** A head found behind the index (a request that held it while the index went on): the index answers it. */
    private volatile ObjectId behind;
    private volatile boolean closed;

    /**
     * @param builds  runs the builds in the background (one at a time is enough: a request that must wait for a
     *                build not yet started runs it itself)
     * @param onBuilt called after a build brought the index up to date (to save it)
     */
    HistoryTimes(LastModifiedIndex index, Supplier<ObjectReader> readers, Heads heads, Executor builds,
                 Runnable onBuilt, String name, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.index = index;
        this.readers = readers;
        this.heads = heads;
        this.builds = builds;
        this.onBuilt = onBuilt;
        this.name = name;
    }

    /**
     * Brings the index to {@code head}: at once when it is a short way behind, else by starting a build in the
     * background (nothing when one is under way: its end catches up with what came meanwhile).
     */
    void catchUp(ObjectId head) throws IOException {
        if (index.covers(head) || build != null || head.equals(behind)) {
            return;
        }
        switch (gap(head)) {
            case NONE -> behind = head.copy();
            case SHORT -> index.catchUp(readers, head);
            case LONG -> startBuild(head);
        }
    }

    /** The commits of a batch of writes made on {@code from}, in order: added to the index as they are. */
    void append(ObjectId from, List<LastModifiedIndex.Made> commits) throws IOException {
        if (commits.isEmpty() || build != null) {
            return; // a build under way: its end, or the next request, catches up with these
        }
        if (!index.appendMade(readers, from, commits)) {
            catchUp(commits.get(commits.size() - 1).commit());
        }
    }

    /**
     * The times of {@code path} at {@code head} ({@code created} null unless {@code withCreated}): the index's
     * answer, {@code fallback} for both where it holds nothing.
     */
    Timestamps times(RepoPath path, ObjectId head, boolean withCreated, Instant fallback) throws IOException {
        if (!ready(head)) {
            Walks w = walks(head);
            Timestamps t = path.isRoot() ? w.folder(RepoPath.ROOT).root(withCreated, fallback)
                    : w.folder(path.parent()).member(path.name(), withCreated, fallback);
            if (t != null) {
                return t;
            }
            awaitIndex(head);
        }
        return index.get(path, fallback);
    }

    /** True when the index answers for {@code head} (after catching up to it if that is quick). */
    private boolean ready(ObjectId head) throws IOException {
        if (head == null || index.covers(head) || head.equals(behind)) {
            return true;
        }
        if (build == null) {
            catchUp(head); // a head newer than the index (written during a build that just ended)
        }
        return build == null || index.covers(head);
    }

    /** Waits until the index answers for {@code head}, running the build under way if it has not started. */
    void awaitIndex(ObjectId head) throws IOException {
        while (!ready(head)) {
            Build b = build;
            if (b != null) {
                b.runOrAwait();
            }
        }
    }

    /** Stops the build under way (a repository closing); the index is left as it was. */
    void close() {
        closed = true;
        Build b = build;
        if (b != null) {
            b.cancel();
        }
    }

    private Walks walks(ObjectId head) {
        Walks w = walks;
        if (w == null || !w.head.equals(head)) {
            w = new Walks(head.copy());
            walks = w;
        }
        return w;
    }

    private void startBuild(ObjectId head) {
        Build b;
        synchronized (this) {
            if (build != null || closed) {
                return;
            }
            b = new Build(head.copy());
            build = b;
        }
        LOG.info("{}: the last-modified index is far behind the head; it is brought up to date in the background", name);
        try {
            builds.execute(b::run);
        } catch (RejectedExecutionException e) {
            // Shutting down, or no room: the first request that needs the index runs the build itself.
        }
    }

    private enum Gap { NONE, SHORT, LONG }

    /**
     * How far {@code head} is from the index: NONE when the index holds it already (a request holding an older
     * head), SHORT when replaying the difference is quick, LONG otherwise: an index that holds nothing yet (a
     * repository never opened here: even one commit may hold 100,000 files, ~0.3 s), more than
     * {@link #REPLAY_HERE} commits, or a long history not grown from the index's, which is replayed from its
     * root. Looks at no more than {@link #REPLAY_HERE} commits, twice.
     */
    private Gap gap(ObjectId head) throws IOException {
        ObjectId at = index.indexed();
        if (at == null) {
            return Gap.LONG;
        }
        try (ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
            rw.setRetainBody(false);
            rw.markStart(rw.parseCommit(head));
            try {
                rw.markUninteresting(rw.parseCommit(at));
            } catch (MissingObjectException | IncorrectObjectTypeException e) {
                return Gap.LONG; // the point of a history since rewritten and pruned
            }
            int n = 0;
            boolean grown = false; // the new commits sit on the index's point: only they are replayed
            for (RevCommit c; (c = rw.next()) != null; ) {
                if (++n > REPLAY_HERE) {
                    return Gap.LONG;
                }
                for (RevCommit p : c.getParents()) {
                    grown |= p.equals(at);
                }
            }
            if (n == 0) {
                return Gap.NONE;
            }
            if (grown) {
                return Gap.SHORT;
            }
            // Not grown from the index's point: replayed from the root, which is quick only for a short history.
            rw.reset();
            rw.markStart(rw.parseCommit(head));
            n = 0;
            while (rw.next() != null) {
                if (++n > REPLAY_HERE) {
                    return Gap.LONG;
                }
            }
            return Gap.SHORT;
        }
    }

    /** The walks of one head, sharing one budget. */
    private final class Walks {
        final ObjectId head;
        final FolderHistory.Budget budget = new FolderHistory.Budget(WALK_UNITS, WALK_NANOS, nanoTime);
        final Map<RepoPath, FolderHistory> folders = new ConcurrentHashMap<>();

        Walks(ObjectId head) {
            this.head = head;
        }

        FolderHistory folder(RepoPath folder) {
            FolderHistory f = folders.get(folder);
            if (f == null) {
                if (folders.size() >= WALKED_FOLDERS) {
                    folders.clear();
                }
                f = folders.computeIfAbsent(folder, k -> new FolderHistory(readers, head, k, budget));
            }
            return f;
        }
    }

    /**
     * One build of the index up to {@code target}, on a copy (requests and writes never wait for its lock), then
     * taken over by the index. Runs once: on the background thread, or on the first request that waits for it
     * before it started there.
     */
    private final class Build {
        final ObjectId target;
        final AtomicBoolean started = new AtomicBoolean();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Build(ObjectId target) {
            this.target = target;
        }

        void run() {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            long t0 = nanoTime.getAsLong();
            try {
                LastModifiedIndex copy = index.copy();
                copy.catchUp(readers, target, () -> closed);
                synchronized (HistoryTimes.this) {
                    index.adopt(copy);
                    build = null;
                    walks = null;
                }
                LOG.info("{}: the last-modified index is up to date ({} ms)", name, (nanoTime.getAsLong() - t0) / 1_000_000);
                done.complete(null);
            } catch (IOException | RuntimeException | Error e) {
                synchronized (HistoryTimes.this) {
                    build = null;
                }
                if (!closed) {
                    LOG.warn("{}: building the last-modified index failed (the next request tries again): {}", name, e.toString());
                }
                done.completeExceptionally(e);
                if (e instanceof Error err) {
                    throw err;
                }
                return;
            }
            onBuilt.run();
            try {
                ObjectId now = heads.get();
                if (now != null && !closed) {
                    catchUp(now); // writes made meanwhile (a long push meanwhile starts the next build)
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: the last-modified index is behind the head ({}); the next request brings it up to date", name, e.toString());
            }
        }

        void runOrAwait() throws IOException {
            run();
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the last-modified index of " + name + " was built");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException("building the last-modified index of " + name + " failed", e.getCause());
            }
        }

        /** Keeps the build from starting, or stops it at its next commit and waits for that (briefly). */
        void cancel() {
            if (started.compareAndSet(false, true)) {
                synchronized (HistoryTimes.this) {
                    build = null;
                }
                done.completeExceptionally(new java.io.InterruptedIOException("closed"));
                return;
            }
            try {
                done.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // stopped, failed or still stopping: the repository closes either way
            }
        }
    }
}
