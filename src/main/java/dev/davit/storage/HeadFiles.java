package dev.davit.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jgit.lib.ObjectId;

/**
 * What a GET of a small file at the head answers, remembered until the head moves: most reads ask for the
 * same few files again and again between two commits, and each one otherwise opened an object reader,
 * walked the tree from the root, read the blob and asked the last-modified index (issue 16: a 1 KiB GET ran
 * at 0.5-0.8x Apache's mod_dav_fs). Keyed by the head commit: a new head starts an empty table, so nothing
 * remembered can outlive the state it describes. Bounded in count and bytes ({@link #MAX_FILES},
 * {@link #MAX_BYTES}). Thread-safe.
 */
public final class HeadFiles {
    /** Largest body kept: a small file's whole answer fits in one socket write with its headers. */
    static final int MAX_BODY = 16 * 1024;
    /** Most files kept per head. */
    static final int MAX_FILES = 1024;
    /** Most bytes of bodies kept per repository (the server runs in -Xmx256m with any number of them). */
    static final long MAX_BYTES = 2L << 20;

    /**
     * A visible file at the head commit {@code revision}.
     *
     * @param modified the last commit that changed it (the index's answer, as {@link Snapshot#times})
     * @param body     its bytes (never changed by anyone: it is shared)
     */
    public record HeadFile(ObjectId revision, ObjectId blob, long size, Instant modified, byte[] body) {
    }

    private record Generation(ObjectId head, ConcurrentHashMap<RepoPath, HeadFile> files, java.util.concurrent.atomic.AtomicLong bytes) {
        Generation(ObjectId head) {
            this(head, new ConcurrentHashMap<>(), new java.util.concurrent.atomic.AtomicLong());
        }
    }

    private final GitRepository repository;
    private volatile Generation current = new Generation(ObjectId.zeroId());

    HeadFiles(GitRepository repository) {
        this.repository = repository;
    }

    /**
     * The small file WebDAV would read at {@code path} now, or empty when there is none there (a folder, a
     * hidden or missing name, a repository without commits) or it is larger than {@link #MAX_BODY}: those
     * take the full read path.
     */
    public Optional<HeadFile> get(RepoPath path) throws IOException {
        ObjectId head = repository.headId();
        if (head == null || path.isRoot()) {
            return Optional.empty();
        }
        Generation g = current;
        if (g.head().equals(head)) {
            HeadFile known = g.files().get(path);
            if (known != null) {
                return Optional.of(known);
            }
        }
        try (Snapshot s = repository.head()) {
            Optional<Entry> e = s.lookup(path);
            if (e.isEmpty() || e.get().isFolder()) {
                return Optional.empty();
            }
            long size = s.size(e.get());
            if (size > MAX_BODY) {
                return Optional.empty();
            }
            byte[] body;
            try (java.io.InputStream in = s.open(e.get())) {
                body = in.readAllBytes();
            }
            ObjectId revision = s.revision();
            HeadFile f = new HeadFile(revision, e.get().id(), size, s.modified(e.get()), body);
            remember(revision, path, f);
            return Optional.of(f);
        }
    }

    private void remember(ObjectId revision, RepoPath path, HeadFile f) {
        Generation g = current;
        if (!g.head().equals(revision)) {
            g = new Generation(revision);
            current = g; // a reader of an older head may put it back for a moment; the next one replaces it again
        }
        if (g.files().size() >= MAX_FILES || g.bytes().addAndGet(f.size()) > MAX_BYTES) {
            g = new Generation(revision); // full: start again (the files asked for most come back first)
            g.bytes().addAndGet(f.size());
            current = g;
        }
        g.files().put(path, f);
    }

    /** How many files are remembered now (for tests). */
    int remembered() {
        return current.files().size();
    }
}
