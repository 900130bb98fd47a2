package dev.davit.storage;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.objects.TreeDiff;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import org.eclipse.jgit.errors.MissingObjectException;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * For every path of the branch: the time of the commit that created it and of the last commit that
 * changed it (a folder changes when anything below it does). Kept up to date by replaying only the new
 * commits after each write or push, so {@code getlastmodified} never walks history on a request.
 * Thread-safe.
 *
 * <p>Stored beside the repository ({@link #save}, {@link #load}) with the commit it covers, so opening a
 * repository of a long history replays only the commits made since that point, not all of them (a
 * repository of 100,000 commits took 4 s to open). The stored point may lag the head (it is saved in the
 * background, and a crash loses what came after); it is trusted only when it is an ancestor of the head,
 * otherwise (history rewritten by a push, a damaged file) the index is built again from the root. How far
 * behind decides where: {@link HistoryTimes} replays a short way on the thread that asks, and a long way on a
 * {@link #copy} in the background, which the index then {@link #adopt}s.
 */
final class LastModifiedIndex {
    private static final long MAGIC = 0x444156_49544c4d49L; // "DAVITLMI"
    private static final int VERSION = 1;
    /** The file beside a repository's git data that holds its stored index ({@link #save}, {@link #load}). */
    static final String FILE = "davit-lastmodified";

    /** The repository's parsed trees, which make diffs of a write's trees cheaper ({@link TreeDiff}); null: none. */
    private final dev.davit.storage.objects.ParsedTrees parsed;
    private Map<String, long[]> times = new HashMap<>();
    /** The last commits the index went through ({@link #RECENT} of them): heads a request may still hold. */
    private java.util.LinkedHashSet<ObjectId> passed = new java.util.LinkedHashSet<>();
    private static final int RECENT = 1024;
    private volatile ObjectId indexed;
    /** Commits replayed since this index was made or loaded (tests check that a stored index is used). */
    private long replayed;
    /** Of those, the commits read back from the history ({@link #catchUp}) rather than told by their writer. */
    private long walked;
    /** The commit covered by the file on disk (null: none, or not known to match). */
    private volatile ObjectId saved;

    /**
     * Replays the commits between the last indexed head and {@code head} (all of them the first time).
     * {@code readers} gives the repository's caching reader: the trees just written are in memory, and
     * reading them back from their loose files on every commit cost more than the diff itself.
     */
    synchronized void catchUp(java.util.function.Supplier<org.eclipse.jgit.lib.ObjectReader> readers, ObjectId head) throws IOException {
        catchUp(readers, head, () -> false);
    }

    /**
     * As {@link #catchUp(java.util.function.Supplier, ObjectId)}, giving up ({@link java.io.InterruptedIOException},
     * the index left unusable) as soon as {@code stop} says so: a build in the background stops when the
     * repository closes.
     */
    synchronized void catchUp(java.util.function.Supplier<org.eclipse.jgit.lib.ObjectReader> readers, ObjectId head,
                              java.util.function.BooleanSupplier stop) throws IOException {
        if (covers(head)) {
            // Passed already: a request that took its head a moment before a write's commit (the head on disk
            // while the new one is being published). The index stays where it is: going back to that head would
            // take an ancestry walk of the whole history (it is not a descendant), then a rebuild from the root;
            // under 16 writers that cost a PUT 24 ms of CPU. The index being a commit or two ahead of a request's
            // view only dates a file that changed since at its newer time.
            return;
        }
        try (org.eclipse.jgit.lib.ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
            if (indexed != null && !isAncestor(rw, indexed, head)) {
                // Not a state the head grew from (a push rewrote history, or the stored point is unknown
                // here): what the index holds says nothing about the head's paths.
                times.clear();
                passed.clear();
                indexed = null;
            }
            rw.sort(RevSort.TOPO, true);
            rw.sort(RevSort.REVERSE, true);
            rw.markStart(rw.parseCommit(head));
            if (indexed != null) {
                rw.markUninteresting(rw.parseCommit(indexed));
            }
            for (RevCommit c; (c = rw.next()) != null; ) {
                if (stop.getAsBoolean()) {
                    times.clear();
                    passed.clear();
                    indexed = null;
                    throw new java.io.InterruptedIOException("the last-modified index was not finished");
                }
                apply(rw, c);
                replayed++;
                walked++;
                pass(c);
            }
        }
        indexed = head.copy();
    }

    /**
     * True when the index is at {@code head}, or passed it a moment ago (see {@link #catchUp}): its times are
     * those of {@code head}'s paths, or at most a few commits newer.
     */
    synchronized boolean covers(ObjectId head) {
        return head == null || head.equals(indexed) || passed.contains(head);
    }

    /** The commit the index is at, or null when it holds nothing. */
    ObjectId indexed() {
        return indexed;
    }

    /**
     * A copy to bring up to date elsewhere ({@link #adopt} takes it back): a build of a long history runs
     * outside this index's lock, which requests and writes take.
     */
    LastModifiedIndex() {
        this(null);
    }

    LastModifiedIndex(dev.davit.storage.objects.ParsedTrees parsed) {
        this.parsed = parsed;
    }

    synchronized LastModifiedIndex copy() {
        LastModifiedIndex c = new LastModifiedIndex(parsed);
        for (Map.Entry<String, long[]> e : times.entrySet()) {
            c.times.put(e.getKey(), e.getValue().clone());
        }
        c.passed.addAll(passed);
        c.indexed = indexed;
        return c;
    }

    /** Takes the state of {@code built}, a {@link #copy} brought up to date (no longer to be used). */
    synchronized void adopt(LastModifiedIndex built) {
        synchronized (built) {
            times = built.times;
            passed = built.passed;
            indexed = built.indexed;
            replayed += built.replayed;
            walked += built.walked;
        }
    }

    /**
     * The commits a batch of writes just made on {@code from}, in order. When the index is at {@code from} (as
     * it is after every write through this server) each is applied as it is, without the ancestry check and
     * the sorted walk {@link #catchUp} needs (they cost about as much as the diff of the commit itself).
     * False, with nothing done, when the index is not at {@code from}.
     */
    synchronized boolean append(java.util.function.Supplier<org.eclipse.jgit.lib.ObjectReader> readers, ObjectId from,
                                java.util.List<ObjectId> commits) throws IOException {
        java.util.List<Made> made = new java.util.ArrayList<>(commits.size());
        try (org.eclipse.jgit.lib.ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
            for (ObjectId id : commits) {
                RevCommit c = rw.parseCommit(id);
                made.add(new Made(c.copy(), c.getParentCount() > 0 ? rw.parseCommit(c.getParent(0)).getTree().copy() : null,
                        c.getTree().copy(), c.getCommitTime()));
            }
        }
        return appendMade(readers, from, made);
    }

    /** A commit a write made: its first parent's tree (null: none), its tree, its commit time in seconds. */
    record Made(ObjectId commit, ObjectId parentTree, ObjectId tree, long time) {
    }

    /**
     * As {@link #append}, with what the writer knows of each commit, so that none is read back and parsed (a
     * RevWalk per batch, its object map, was ~15% of the bytes a PUT allocated: JFR, wrk 1 KiB PUTs).
     */
    synchronized boolean appendMade(java.util.function.Supplier<org.eclipse.jgit.lib.ObjectReader> readers, ObjectId from,
                                    java.util.List<Made> commits) throws IOException {
        if (commits.isEmpty()) {
            return true;
        }
        if (from == null ? indexed != null || !times.isEmpty() : !from.equals(indexed)) {
            return false; // the caller catches up instead (how far behind the index is decides how)
        }
        try (org.eclipse.jgit.lib.ObjectReader reader = readers.get()) {
            for (Made m : commits) {
                apply(reader, m.parentTree(), m.tree(), m.time());
                replayed++;
                indexed = m.commit().copy();
                pass(indexed);
            }
        }
        return true;
    }

    private void pass(ObjectId commit) {
        passed.add(commit.copy());
        if (passed.size() > RECENT) {
            java.util.Iterator<ObjectId> it = passed.iterator();
            it.next();
            it.remove();
        }
    }

    private static boolean isAncestor(RevWalk rw, ObjectId base, ObjectId head) throws IOException {
        try {
            boolean merged = rw.isMergedInto(rw.parseCommit(base), rw.parseCommit(head));
            rw.reset();
            return merged;
        } catch (MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            rw.reset();
            return false;
        }
    }

    private void apply(RevWalk rw, RevCommit c) throws IOException {
        apply(rw.getObjectReader(), c.getParentCount() > 0 ? rw.parseCommit(c.getParent(0)).getTree() : null, c.getTree(),
                c.getCommitTime());
    }

    private void apply(org.eclipse.jgit.lib.ObjectReader reader, ObjectId parentTree, ObjectId tree, long time) throws IOException {
        boolean[] any = {false};
        java.util.List<String> gone = new java.util.ArrayList<>();
        TreeDiff.diff(reader, parsed, parentTree, tree, new TreeDiff.Visitor() {
            @Override
            public void file(String path, boolean added, boolean deleted) {
                any[0] = true;
                if (deleted) {
                    times.remove(path);
                } else {
                    long[] t = times.get(path);
                    if (t == null || added) {
                        times.put(path, new long[] {time, time});
                    } else {
                        t[1] = time;
                    }
                }
                touchAncestors(path, time);
            }

            @Override
            public void folderGone(String path) {
                gone.add(path);
            }
        });
        if (any[0]) {
            touchAncestors("", time);
        }
        // A folder whose last file went is gone too: forget it (after the touches above, which passed through
        // it), so a folder made again later is created by the commit that makes it.
        for (String folder : gone) {
            times.remove(folder);
        }
    }

    private void touchAncestors(String path, long time) {
        int slash = path.lastIndexOf('/');
        while (slash > 0) {
            String folder = path.substring(0, slash);
            long[] t = times.get(folder);
            if (t == null) {
                times.put(folder, new long[] {time, time});
            } else {
                t[1] = time;
            }
            slash = folder.lastIndexOf('/');
        }
        long[] root = times.computeIfAbsent("", k -> new long[] {time, time});
        // The last commit that changed something, as for every other folder (not the latest time: with clock
        // skew that is not the last change, and only the last change can be found without the whole history,
        // which a repository whose index is still being built answers from, see FolderHistory).
        root[1] = time;
    }

    /** Times of {@code path}; {@code fallback} for both when the path is unknown to the index. */
    synchronized Timestamps get(RepoPath path, Instant fallback) {
        long[] t = times.get(path.toString());
        if (t == null) {
            return new Timestamps(fallback, fallback);
        }
        return new Timestamps(Instant.ofEpochSecond(t[0]), Instant.ofEpochSecond(t[1]));
    }


    synchronized long replayed() {
        return replayed;
    }

    synchronized long walked() {
        return walked;
    }

    /** True when the index covers a commit the file on disk does not. */
    boolean unsaved() {
        ObjectId at = indexed; // read on every request: no lock
        return at != null && !at.equals(saved);
    }

    /**
     * Writes the index to {@code file} if it changed since the last save: the bytes are taken under the
     * lock (a copy of the map would cost as much), then written to a temporary file, synced and renamed
     * over the old one, and the folder synced ({@code durable}), so a crash leaves the old file or the new
     * one, never a torn one (and a torn one would fail its checksum and be rebuilt).
     */
    void save(Path file, boolean durable) throws IOException {
        byte[] bytes;
        ObjectId at;
        synchronized (this) {
            if (indexed == null || indexed.equals(saved)) {
                return;
            }
            at = indexed.copy();
            ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + times.size() * 40);
            DataOutputStream out = new DataOutputStream(buf);
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            byte[] id = new byte[20];
            at.copyRawTo(id, 0);
            out.write(id);
            out.writeInt(times.size());
            for (Map.Entry<String, long[]> e : times.entrySet()) {
                byte[] path = e.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeInt(path.length);
                out.write(path);
                out.writeLong(e.getValue()[0]);
                out.writeLong(e.getValue()[1]);
            }
            CRC32C crc = new CRC32C();
            crc.update(buf.toByteArray());
            out.writeLong(crc.getValue());
            out.flush();
            bytes = buf.toByteArray();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        if (durable) {
            DurableFiles.force(tmp);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (durable) {
            DurableFiles.forceDirectory(file.getParent());
        }
        synchronized (this) {
            saved = at;
        }
    }

    /**
     * The index stored in {@code file}, or an empty one when there is none or it cannot be read (a damaged
     * or foreign file is not an error: the index is rebuilt from the history, as before it was stored).
     */
    static LastModifiedIndex load(Path file) {
        return load(file, null);
    }

    static LastModifiedIndex load(Path file, dev.davit.storage.objects.ParsedTrees parsed) {
        LastModifiedIndex index = new LastModifiedIndex(parsed);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return index;
        } catch (IOException e) {
            LOG.warn("cannot read the last-modified index {} (it is rebuilt): {}", file, e.toString());
            return index;
        }
        try {
            if (bytes.length < 8 + 4 + 20 + 4 + 8) {
                throw new IOException("too short");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 8);
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
            if (in.readLong() != MAGIC || in.readInt() != VERSION) {
                throw new IOException("not a last-modified index of this version");
            }
            byte[] id = in.readNBytes(20);
            int n = in.readInt();
            Map<String, long[]> read = new HashMap<>(Math.max(16, n * 4 / 3 + 1));
            for (int i = 0; i < n; i++) {
                int len = in.readInt();
                if (len < 0 || len > bytes.length) {
                    throw new IOException("bad path length");
                }
                String path = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                read.put(path, new long[] {in.readLong(), in.readLong()});
            }
            if (in.readLong() != crc.getValue()) {
                throw new IOException("checksum mismatch");
            }
            index.times.putAll(read);
            index.indexed = ObjectId.fromRaw(id);
            index.saved = index.indexed;
        } catch (IOException e) {
            LOG.warn("ignoring the last-modified index {} (it is rebuilt): {}", file, e.toString());
        }
        return index;
    }

    /**
     * The commit the index stored in {@code file} covers, read from its header alone (the whole file of a
     * repository of 100,000 files is megabytes, and a server's start looks at every repository's): null when there
     * is none or it is not an index of this version. Its checksum is not checked: {@link #load} does that.
     */
    static ObjectId storedPoint(Path file) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (in.readLong() != MAGIC || in.readInt() != VERSION) {
                return null;
            }
            byte[] id = in.readNBytes(20);
            return id.length == 20 ? ObjectId.fromRaw(id) : null;
        } catch (IOException e) {
            return null; // none, too short, or unreadable: as good as none
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LastModifiedIndex.class);
}
