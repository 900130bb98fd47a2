package dev.davit.storage;

import dev.davit.storage.maintenance.Maintenance;
import dev.davit.storage.maintenance.StaleLockFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The data directory: bare repositories at {@code {data}/{owner}/{repo}.git}. Owner and repository
 * names are checked before they touch the file system, so no name reaches outside the data directory
 * or into another repository. Thread-safe; repositories stay open until {@link #close()}.
 */
public final class Repositories implements AutoCloseable {
    private final Path dataDir;
    private final boolean durable;
    private final Map<String, GitRepository> open = new ConcurrentHashMap<>();
    /**
     * Openings in progress, one per name: a request for a repository being opened waits for that opening,
     * and a request for any other repository does not wait at all (opening replays the commit log and
     * catches up the last-modified index, which can take a while).
     */
    private final Map<String, java.util.concurrent.CompletableFuture<GitRepository>> opening = new ConcurrentHashMap<>();
    /** Held only while a repository's folder is created (short). */
    private final Object creating = new Object();
    private volatile boolean closed;
    private final Maintenance maintenance;
    private volatile Runnable onCommit = () -> { };
    /** Cluster mode's commit point for every repository, or null (a single node: each repository's own log). */
    private volatile CommitPoint commitPoint;
    /** The size of every repository's files and the limit on it, known to every front end and to every commit. */
    private final RepositorySizes sizes;
    /** Cluster mode's keys of keyed writes, as the replicated log has them (empty on a single node). */
    private final KeyedWrites keyedWrites = new KeyedWrites();
    /** Cluster mode's keepers of front ends' notes, by kind (registered before the log is applied). */
    private final Map<String, NoteKeeper> noteKeepers = new ConcurrentHashMap<>();
    /** Runs of the {@link DiskApplier}s: they wait on the disk, not the CPU. */
    private final java.util.concurrent.ScheduledExecutorService diskExecutor;
    private final java.util.function.LongSupplier nanoTime;
    /**
     * Builds of last-modified indexes in the background (repositories opened for the first time): one at a time,
     * as a request that needs one not yet started runs it itself.
     */
    private final java.util.concurrent.Executor indexBuilds;
    /** {@link #indexInBackground}'s looks: the repositories done with (opened, or found indexed at their head). */
    private final java.util.Set<String> lookedAt = ConcurrentHashMap.newKeySet();
    /** The repositories there at the start: opened at the first look, without waiting for their branch to settle. */
    private final java.util.Set<String> presentAtStart = ConcurrentHashMap.newKeySet();
    /** The repositories that were not, by their branch at the last look (opened when it is still there). */
    private final Map<String, org.eclipse.jgit.lib.ObjectId> appeared = new ConcurrentHashMap<>();
    /** A look waits on the executor of the builds: no second one is queued. */
    private final java.util.concurrent.atomic.AtomicBoolean lookQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** One look at a time (an executor of several threads could run two). */
    private final Object looking = new Object();
    /** Threads of large uploads (hashing, background flushes); shut down by {@link #close}. */
    private final java.util.concurrent.ExecutorService blobWorkers = dev.davit.storage.objects.LargeBlobs.newWorkers();
    /** The buffers of large blobs' sends and the object files whose checksum was checked, for every repository. */
    private final dev.davit.storage.objects.LargeBlobReads largeBlobReads = new dev.davit.storage.objects.LargeBlobReads(blobWorkers);
    /** How the repositories' commit logs are synced ({@link CommitLog.Sync#FDATASYNC}; tests block or fail it). */
    private volatile dev.davit.storage.log.CommitLog.Sync logSync = dev.davit.storage.log.CommitLog.Sync.FDATASYNC;
    /** Held while open: a second server on the same data directory refuses to start (see {@link DataDirLock}). */
    private final DataDirLock dataDirLock;

    /**
     * @param durable fsync every object and ref file before a write is acknowledged
     */
    public Repositories(Path dataDir, boolean durable) throws IOException {
        this(dataDir, durable, 500);
    }

    /**
     * @param durable      fsync every object and ref file before a write is acknowledged
     * @param gcEveryCommits repack a repository in the background after this many commits (0: never)
     */
    public Repositories(Path dataDir, boolean durable, int gcEveryCommits) throws IOException {
        this(dataDir, durable, gcEveryCommits, defaultDiskExecutor(), System::nanoTime);
    }

    /**
     * @param diskExecutor runs the background writes that bring repositories on disk up to their logs
     *                     (shut down by {@link #close})
     * @param nanoTime     the clock of their pacing
     */
    public Repositories(Path dataDir, boolean durable, int gcEveryCommits,
                        java.util.concurrent.ScheduledExecutorService diskExecutor,
                        java.util.function.LongSupplier nanoTime) throws IOException {
        this(dataDir, durable, gcEveryCommits, diskExecutor, defaultIndexBuilds(), nanoTime);
    }

    /**
     * @param indexBuilds runs the builds of last-modified indexes in the background (an {@link java.util.concurrent.ExecutorService}
     *                    is shut down by {@link #close})
     */
    public Repositories(Path dataDir, boolean durable, int gcEveryCommits,
                        java.util.concurrent.ScheduledExecutorService diskExecutor, java.util.concurrent.Executor indexBuilds,
                        java.util.function.LongSupplier nanoTime) throws IOException {
        this.indexBuilds = indexBuilds;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(this.dataDir);
        // Before anything in the data directory is touched: the other server's files are not ours to clean.
        this.dataDirLock = DataDirLock.acquire(this.dataDir);
        this.maintenance = new Maintenance(gcEveryCommits);
        this.sizes = new RepositorySizes(this.dataDir);
        this.durable = durable;
        this.diskExecutor = diskExecutor;
        this.nanoTime = nanoTime;
    }

    /** Test hook: how the commit logs of repositories opened from now on are synced. */
    Repositories logSync(dev.davit.storage.log.CommitLog.Sync sync) {
        this.logSync = sync;
        return this;
    }

    private static java.util.concurrent.ExecutorService defaultIndexBuilds() {
        return java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "davit-index-build");
            t.setDaemon(true);
            return t;
        });
    }

    private static java.util.concurrent.ScheduledExecutorService defaultDiskExecutor() {
        java.util.concurrent.ScheduledThreadPoolExecutor pool = new java.util.concurrent.ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "davit-disk");
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        return pool;
    }

    /** Runs after every commit a write makes, in any repository (for the metrics). */
    public void onCommit(Runnable listener) {
        this.onCommit = listener;
    }

    /**
     * Limits the size of each repository's files ({@code limits.repository.bytes}; 0 = none): a commit that
     * would pass it is refused ({@link QuotaExceededException}), and so is a push ({@link RepositorySizes}).
     */
    public void limitRepositorySize(long maxBytes) {
        sizes.limit(maxBytes);
    }

    /**
     * Cluster mode: every write of every repository commits through {@code c} (a replicated log) instead of
     * its own commit log alone. Set before any repository is written, and never unset.
     */
    public void commitPoint(CommitPoint c) {
        this.commitPoint = c;
        open.values().forEach(r -> r.commitPoint(c));
        keyedWrites.commitPoint(c);
    }

    /**
     * Registers the keeper of notes of {@code kind} (cluster mode), before the replicated log is applied: a note
     * of a kind nobody keeps stops the applying (it cannot be skipped without leaving this node different).
     */
    public void keepNotes(String kind, NoteKeeper keeper) {
        noteKeepers.put(kind, keeper);
    }

    /** Applies a committed note to the keeper of its kind (cluster mode, every node, in the log's order). */
    public void applyNote(String kind, GitRepository repo, byte[] note, long index) throws IOException {
        NoteKeeper keeper = noteKeepers.get(kind);
        if (keeper == null) {
            throw new IOException("a note of kind " + kind + " that nothing on this node keeps");
        }
        keeper.apply(repo, note, index);
    }

    /** Every note keeper's state of {@code repo}, by kind (cluster mode: for a node that catches up from this one). */
    public Map<String, NoteKeeper.State> exportNotes(GitRepository repo) throws IOException {
        Map<String, NoteKeeper.State> out = new java.util.TreeMap<>();
        for (Map.Entry<String, NoteKeeper> k : new java.util.TreeMap<>(noteKeepers).entrySet()) {
            out.put(k.getKey(), k.getValue().export(repo));
        }
        return out;
    }

    /** The kinds of notes kept on this node. */
    public java.util.Set<String> noteKinds() {
        return java.util.Set.copyOf(noteKeepers.keySet());
    }

    /** Replaces the state of the keeper of {@code kind} for {@code repo} with another node's ({@link NoteKeeper#replace}). */
    public void replaceNotes(String kind, GitRepository repo, NoteKeeper.State state) throws IOException {
        NoteKeeper keeper = noteKeepers.get(kind);
        if (keeper == null) {
            throw new IOException("notes of kind " + kind + " that nothing on this node keeps");
        }
        keeper.replace(repo, state);
    }

    /** Cluster mode's keys of keyed writes and their outcomes, filled by the replicated log on every node. */
    public KeyedWrites keyedWrites() {
        return keyedWrites;
    }

    /** The size of each repository's files and the limit on it. */
    public RepositorySizes sizes() {
        return sizes;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Compiled once: every request checks two names. */
    private static final java.util.regex.Pattern VALID_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");

    /** Owner and repository names: letters, digits, '.', '-', '_'; not starting with '.'; no ".git" suffix. */
    public static boolean isValidName(String name) {
        return name != null && VALID_NAME.matcher(name).matches() && !name.endsWith(".git")
                && !name.endsWith(".");
    }

    /**
     * Opens an existing repository.
     *
     * @throws NotFoundException when the names are invalid or no such repository exists
     */
    public GitRepository open(String owner, String name) throws IOException, NotFoundException {
        // An open repository first, by its key alone: every request asks, and the names' pattern matching was ~3%
        // of a small GET's thread (JFR). Only valid names are ever opened, and a key of two valid names (no '/' in
        // either) is "a/b" with exactly one '/', so no other pair of names, valid or not, makes the same key.
        String key = owner + "/" + name; // (a null name would make "null": asked below, never found)
        GitRepository repo = owner == null || name == null ? null : open.get(key);
        if (repo != null) {
            return repo;
        }
        if (!isValidName(owner) || !isValidName(name)) {
            throw new NotFoundException(RepoPath.ROOT, "no repository " + owner + "/" + name);
        }
        Path dir = dataDir.resolve(owner).resolve(name + ".git");
        synchronized (creating) { // a repository being created has its HEAD before its settings: wait for both
            if (!Files.isRegularFile(dir.resolve("HEAD"))) {
                throw new NotFoundException(RepoPath.ROOT, "no repository " + key);
            }
        }
        java.util.concurrent.CompletableFuture<GitRepository> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<GitRepository> theirs = opening.putIfAbsent(key, mine);
        if (theirs != null) {
            return await(theirs, key);
        }
        try {
            repo = open.get(key); // opened between the first look and now
            if (repo == null) {
                if (closed) {
                    throw new IOException("the repositories are closed");
                }
                Repository jgit;
                synchronized (creating) {
                    // Also the stale lock files: a creation's own config.lock is not stale.
                    StaleLockFiles.clean(dir);
                    // The settings are saved here when they changed; a creation saves them too (config.lock):
                    // one at a time. Two saves at once failed a creation (a cluster node's first replicated
                    // write creating the repository while a request opened it).
                    jgit = openJgit(dir, false);
                }
                repo = new GitRepository(owner, name, jgit, () -> onCommit.run(), durable, diskExecutor, blobWorkers, largeBlobReads,
                        indexBuilds, nanoTime, logSync);
                repo.maintenance(maintenance);
                repo.sizes(sizes);
                repo.commitPoint(commitPoint);
                open.put(key, repo);
            }
            mine.complete(repo);
            return repo;
        } catch (IOException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            opening.remove(key, mine); // a failed opening is tried again by the next request
        }
    }

    private static GitRepository await(java.util.concurrent.CompletableFuture<GitRepository> f, String key) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while " + key + " opened");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("opening " + key + " failed", e.getCause());
        }
    }

    /**
     * Creates the repository if it does not exist, with the files under {@code source} as its first
     * commit, and opens it. An existing repository is opened as it is.
     */
    public GitRepository createIfMissing(String owner, String name, Path source, Identity who)
            throws IOException, StorageException {
        if (!isValidName(owner) || !isValidName(name)) {
            throw new InvalidPathException(InvalidPathException.Reason.MALFORMED, "invalid repository name " + owner + "/" + name);
        }
        Path dir = dataDir.resolve(owner).resolve(name + ".git");
        synchronized (creating) {
            if (!Files.isRegularFile(dir.resolve("HEAD"))) {
                Files.createDirectories(dir.getParent());
                try (Repository r = openJgit(dir, true)) {
                    r.getRefDatabase(); // created
                }
            }
        }
        GitRepository repo = open(owner, name);
        if (repo.headId() == null && source != null && Files.isDirectory(source)) {
            importTree(repo, source, who);
        }
        return repo;
    }

    private Repository openJgit(Path dir, boolean create) throws IOException {
        Repository r = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
        if (create) {
            r.create(true);
            r.getRefDatabase().newUpdate(Constants.HEAD, false).link(GitRepository.BRANCH);
        }
        StoredConfig cfg = r.getConfig();
        boolean changed = false;
        // Davit's own writes are durable by the commit log; what JGit writes afterwards (the applier's ref
        // update, a push's pack and refs) must be synced before the step that relies on it: JGit syncs a ref
        // file before renaming it with core.fsyncRefFiles, and Davit syncs the folders (DiskApplier,
        // GitRepository.push).
        // core.fsyncRefFiles is JGit's alone (git ignores it); core.fsyncObjectFiles is not set, as git warns
        // on every command that it is deprecated: a push's pack files are synced by GitRepository.push instead.
        if (!cfg.getBoolean(ConfigConstants.CONFIG_CORE_SECTION, "fsyncRefFiles", false)) {
            cfg.setBoolean(ConfigConstants.CONFIG_CORE_SECTION, null, "fsyncRefFiles", true);
            changed = true;
        }
        if (cfg.getNames(ConfigConstants.CONFIG_CORE_SECTION).contains("fsyncobjectfiles")) {
            cfg.unset(ConfigConstants.CONFIG_CORE_SECTION, null, "fsyncObjectFiles");
            changed = true;
        }
        if (cfg.getString(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_COMPRESSION) == null) {
            // zlib's default level deflates at ~30 MB/s on these machines, so a large upload would be
            // CPU-bound; level 1 is several times faster for a slightly larger object store.
            cfg.setInt(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_COMPRESSION, 1);
            changed = true;
        }
        if (changed) {
            try {
                cfg.save();
            } catch (IOException e) {
                // A full disk must not keep a repository from opening (writes answer 507 meanwhile); the
                // settings apply in memory and are saved at the next open.
                org.slf4j.LoggerFactory.getLogger(Repositories.class).warn("could not save the settings of {}: {}", dir, e.toString());
            }
        }
        return r;
    }

    private static final class Constants {
        static final String HEAD = org.eclipse.jgit.lib.Constants.HEAD;
    }

    private static void importTree(GitRepository repo, Path source, Identity who) throws IOException, StorageException {
        List<Path> files = new ArrayList<>();
        List<Path> folders = new ArrayList<>();
        try (Stream<Path> s = Files.walk(source)) {
            s.sorted().forEach(p -> {
                if (p.equals(source)) {
                    return;
                }
                (Files.isDirectory(p) ? folders : files).add(p);
            });
        }
        repo.write(who, "Import " + source.getFileName(), edit -> {
            for (Path f : folders) {
                RepoPath rp = toRepoPath(source, f);
                if (rp == null) {
                    continue;
                }
                boolean empty;
                try (Stream<Path> members = Files.list(f)) {
                    empty = members.findAny().isEmpty();
                }
                if (empty) {
                    edit.mkdir(rp);
                } else {
                    edit.ensureFolders(rp);
                }
            }
            for (Path f : files) {
                RepoPath rp = toRepoPath(source, f);
                if (rp == null || !Files.isRegularFile(f)) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(f)) {
                    edit.putFile(rp, repo.insertBlob(in, Files.size(f)));
                }
            }
            return null;
        });
    }

    /** Null for names a repository may not hold (hidden, .git, invalid); such files are skipped. */
    private static RepoPath toRepoPath(Path root, Path p) {
        List<String> segs = new ArrayList<>();
        for (Path part : root.relativize(p)) {
            segs.add(part.toString());
        }
        try {
            return RepoPath.of(segs);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * Every repository in the data directory, as {@code owner/name}, sorted (cluster mode's snapshot lists them,
     * so that a node that fetches the repositories from another knows which).
     */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> owners = Files.list(dataDir)) {
            for (Path owner : (Iterable<Path>) owners::iterator) {
                String o = owner.getFileName().toString();
                if (!isValidName(o) || !Files.isDirectory(owner)) {
                    continue; // .davit and anything else that is no owner
                }
                try (Stream<Path> repos = Files.list(owner)) {
                    for (Path repo : (Iterable<Path>) repos::iterator) {
                        String f = repo.getFileName().toString();
                        if (f.endsWith(".git") && isValidName(f.substring(0, f.length() - 4)) && Files.isRegularFile(repo.resolve("HEAD"))) {
                            names.add(o + "/" + f.substring(0, f.length() - 4));
                        }
                    }
                }
            }
        }
        java.util.Collections.sort(names);
        return names;
    }

    /**
     * Opens, in the background (on the executor of the index builds, before them), every repository in the data
     * directory whose stored last-modified index is missing or not at its branch's head, so that the index of one
     * Davit never opened (made by {@code git fast-import}, copied in, its index file lost) is built before its first
     * request instead of from it: the first listing of a folder of 10,000 files added ten to a commit (the
     * benchmark's fast-import) waited ~0.5 s for that build, as the recent history cannot tell those times within
     * its walks' budget ({@link HistoryTimes}), and the build is about as fast as git's own diff of those 1,000
     * commits (reading 1,000 versions of a tree of up to 380 KB is most of it). The repositories there now are
     * looked at at once; then, every {@code every}, those that appeared since (a repository made outside while the
     * server runs), each once its branch stayed where it was between two looks (not in the middle of an import).
     * A repository whose index is stored at its head is left closed (opening it would replay nothing), and each is
     * looked at until it is opened or found indexed, no more. Called once, at a single node's start (a cluster
     * node's repositories follow its log).
     */
    public void indexInBackground(java.time.Duration every) {
        try {
            presentAtStart.addAll(list()); // now: one made meanwhile waits to settle like any other
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Repositories.class).warn("the repositories were not listed at the start ({})",
                    e.toString());
        }
        queueLook();
        try {
            diskExecutor.scheduleWithFixedDelay(this::queueLook, every.toNanos(), every.toNanos(),
                    java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void queueLook() {
        if (closed || !lookQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            indexBuilds.execute(this::look);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            lookQueued.set(false); // closing
        }
    }

    private void look() {
        synchronized (looking) {
            lookQueued.set(false);
            lookOnce();
        }
    }

    private void lookOnce() {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Repositories.class);
        List<String> names;
        try {
            names = list();
        } catch (IOException e) {
            log.warn("the repositories were not listed ({}); each is opened by its first request", e.toString());
            return;
        }
        int opened = 0;
        for (String key : names) {
            if (closed) {
                return;
            }
            if (lookedAt.contains(key)) {
                continue;
            }
            if (open.containsKey(key)) {
                lookedAt.add(key);
                continue;
            }
            int slash = key.indexOf('/');
            Path gitDir = dataDir.resolve(key.substring(0, slash)).resolve(key.substring(slash + 1) + ".git");
            try {
                org.eclipse.jgit.lib.ObjectId head = branchHead(gitDir);
                if (head == null) {
                    continue; // no commit yet (being made): looked at again
                }
                if (head.equals(LastModifiedIndex.storedPoint(gitDir.resolve(LastModifiedIndex.FILE)))) {
                    lookedAt.add(key);
                    continue;
                }
                if (!presentAtStart.contains(key) && !head.equals(appeared.put(key, head))) {
                    continue; // appeared or moved since the last look: perhaps an import under way
                }
                lookedAt.add(key);
                appeared.remove(key);
                open(key.substring(0, slash), key.substring(slash + 1)); // catches its index up, or starts its build
                opened++;
            } catch (IOException | StorageException | RuntimeException e) {
                // Its first request opens it and says what is wrong, as it would have without this look.
                lookedAt.add(key);
                log.warn("{}: not opened ahead of its first request ({})", key, e.toString());
            }
        }
        if (opened > 0) {
            log.info("repositories opened to bring their last-modified index up to date before their first request: {}", opened);
        }
    }

    /** True when {@code owner/name} is open (tests: what {@link #indexInBackground} opened). */
    boolean isOpen(String key) {
        return open.containsKey(key);
    }

    /** The commit of the repository's branch on disk, or null when it has none (no commit yet, or a lost branch). */
    private static org.eclipse.jgit.lib.ObjectId branchHead(Path gitDir) throws IOException {
        try (Repository r = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build()) {
            org.eclipse.jgit.lib.Ref branch = r.exactRef(GitRepository.BRANCH);
            return branch == null ? null : branch.getObjectId();
        }
    }

    /**
     * Brings every open repository on disk up to date and waits for it: each one's packs and branch fsynced
     * (a repository not open has nothing waiting). Cluster mode's snapshot claims that everything applied so far
     * is in the repositories on disk, and calls this first.
     */
    public void applyAllToDisk() throws IOException {
        for (GitRepository r : open.values()) {
            r.applyToDisk();
        }
    }

    /** The background repacking of these repositories. */
    public Maintenance maintenance() {
        return maintenance;
    }

    /** Brings every open repository on disk up to date, stops the background work and releases the data directory. */
    @Override
    public void close() {
        closed = true;
        maintenance.close(); // a repack in progress finishes (or is abandoned: its files are renamed into place only when complete)
        open.values().forEach(GitRepository::close);
        open.clear();
        diskExecutor.shutdownNow();
        blobWorkers.shutdownNow();
        if (indexBuilds instanceof java.util.concurrent.ExecutorService builds) {
            builds.shutdown(); // each repository stopped its build as it closed
        }
        dataDirLock.close();
    }
}
