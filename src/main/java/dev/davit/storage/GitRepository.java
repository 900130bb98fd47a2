package dev.davit.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
    private final Object writeLock = new Object();
    private final LastModifiedIndex index = new LastModifiedIndex();
    private final SideFiles sideFiles;
    /** Set once by {@link Repositories} right after opening; counts commits towards a background repack. */
    private volatile Maintenance maintenance;

    private final Runnable onCommit;

    GitRepository(String owner, String name, Repository repo, Runnable onCommit) throws IOException {
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
        index.catchUp(repo, headId());
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }

    /** The current head of the branch, or null before the first commit. */
    public ObjectId headId() throws IOException {
        Ref ref = repo.exactRef(BRANCH);
        return ref == null ? null : ref.getObjectId();
    }

    /** A view of the current head. */
    public Snapshot head() throws IOException {
        ObjectReader reader = repo.newObjectReader();
        try {
            ObjectId head = headId();
            RevCommit commit = head == null ? null : new RevWalk(reader).parseCommit(head);
            index.catchUp(repo, head);
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
        ObjectReader reader = repo.newObjectReader();
        try {
            RevCommit commit = new RevWalk(reader).parseCommit(id);
            return new Snapshot(this, reader, commit, commit.equals(headId()));
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            reader.close();
            throw notFound;
        }
    }

    /**
     * Stores a blob from a stream without holding it in memory. With {@code length < 0} (chunked upload)
     * the bytes are spooled to a temporary file first, because a git object header states its size.
     */
    public ObjectId insertBlob(InputStream in, long length) throws IOException {
        if (length < 0) {
            Path spool = Files.createTempFile(tmpDir, "put-", ".tmp");
            try {
                Files.copy(in, spool, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                try (InputStream s = Files.newInputStream(spool)) {
                    return insertBlob(s, Files.size(spool));
                }
            } finally {
                Files.deleteIfExists(spool);
            }
        }
        try (ObjectInserter ins = repo.newObjectInserter()) {
            ObjectId id = ins.insert(Constants.OBJ_BLOB, length, in);
            ins.flush();
            return id;
        }
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
     */
    public <T> WriteResult<T> write(Identity author, Identity committer, String message, Mutation<T> mutation)
            throws StorageException, IOException {
        synchronized (writeLock) {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                ObjectId head = headId();
                try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = ins.newReader();
                     RevWalk rw = new RevWalk(reader)) {
                    RevCommit base = head == null ? null : rw.parseCommit(head);
                    ObjectId baseTree = base == null ? null : base.getTree().getId();
                    TreeEdit edit = new TreeEdit(reader, ins, baseTree);
                    T value = mutation.apply(edit);
                    ObjectId tree = edit.writeTree();
                    if (base != null && tree.equals(baseTree)) {
                        return new WriteResult<>(head, false, value);
                    }
                    CommitBuilder cb = new CommitBuilder();
                    Instant now = Instant.now();
                    cb.setAuthor(new PersonIdent(author.name(), author.email(), now, TimeZone.getDefault().toZoneId()));
                    cb.setCommitter(new PersonIdent(committer.name(), committer.email(), now, TimeZone.getDefault().toZoneId()));
                    cb.setMessage(message.endsWith("\n") ? message : message + "\n");
                    cb.setTreeId(tree);
                    if (base != null) {
                        cb.setParentId(base);
                    }
                    ObjectId commit = ins.insert(cb);
                    ins.flush();
                    RefUpdate ru = repo.updateRef(BRANCH);
                    ru.setExpectedOldObjectId(head == null ? ObjectId.zeroId() : head);
                    ru.setNewObjectId(commit);
                    ru.setRefLogMessage(firstLine(message), false);
                    RefUpdate.Result r = ru.update(rw);
                    switch (r) {
                        case NEW, FAST_FORWARD -> {
                            index.catchUp(repo, commit);
                            Maintenance m = maintenance;
                            if (m != null) {
                                m.committed(this); // queues a repack; never waits for one
                            }
                            onCommit.run();
                            return new WriteResult<>(commit, true, value);
                        }
                        case LOCK_FAILURE, REJECTED, REJECTED_CURRENT_BRANCH -> {
                            // Lost the swap to a writer outside this process: apply again on the new head.
                        }
                        default -> throw new IOException("updating " + BRANCH + " failed: " + r);
                    }
                }
            }
            throw new IOException("gave up after " + MAX_ATTEMPTS + " lost compare-and-swaps on " + BRANCH);
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
        try (ObjectReader reader = repo.newObjectReader()) {
            return reader.open(id, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE);
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            throw new NotFoundException(RepoPath.ROOT, "no blob " + id.name() + " in " + owner + "/" + name);
        }
    }

    /** The JGit repository, for front ends that speak git itself (smart HTTP). */
    public Repository jgit() {
        return repo;
    }

    @Override
    public void close() {
        repo.close();
    }
}
