package dev.davit.storage.log;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.disk.NoSpaceException;
import dev.davit.storage.objects.LooseObject;
import dev.davit.storage.objects.NewObject;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A repository's commit log: the commit point of every write. A batch of commits is one record holding
 * everything the commits need (every object they add, a rewritten tree as a delta of the version it replaced,
 * and the branch's move from old to new id), appended to the current segment file and synced with one fdatasync. When {@link #append}
 * returns, the writes are acknowledged; the bare repository catches up later ({@link DiskApplier}), and
 * the segments it has caught up with are deleted ({@link #trim}).
 *
 * <p>As Gitaly's write-ahead log (a transaction's objects and reference changes as one durable log entry,
 * applied to the repository afterwards) and PostgreSQL's WAL (flushed per group commit, data files written
 * by the checkpointer), written anew for git's loose object format.
 *
 * <p>Faults: a record that could not be written and synced entirely is cut off again (truncate to where it
 * began), and when even that fails the segment is abandoned and the next record starts a new one, so a torn
 * record never hides a later one (a reader stops at the first torn record of a segment: its write was never
 * acknowledged). A full disk surfaces as {@link NoSpaceException}.
 *
 * <p>Segment {@code segment-NNNNNNNNNNNNNNNN}: records of {@code MAGIC, payload length, CRC32C(payload),
 * payload}; payload: ref name, old id, new id, object count, then per object its id, its type, and its length
 * and bytes, or (a tree, {@link #MAGIC_DELTA}) its base's id and the length and bytes of git's delta from that
 * base; the first format held loose (deflated) objects ({@link #MAGIC}). Segments a rotation makes are filled
 * with zeros ahead ({@link #create(long, long)}); readers stop at the first record that is not one.
 *
 * <p>Threads: {@link GitRepository} writes records under its write lock ({@link #write}) and syncs them without
 * it ({@link #awaitDurable}, one sync at a time); the applier rotates and trims under this object's monitor.
 */
public final class CommitLog implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommitLog.class);
    /** A record whose objects are in git's loose format (deflated), as written before raw records. Still read. */
    private static final int MAGIC = 0x44564a31; // "DVJ1"
    /**
     * A record whose objects are their type and raw bytes. Why not deflated: the record is on the path of
     * every acknowledgement, and deflating a commit's trees there (a folder of thousands of files is a tree of
     * ~100 KB) cost more CPU than writing the larger record costs the disk; the pack deflates them later.
     */
    private static final int MAGIC_RAW = 0x44564a32; // "DVJ2"
    /**
     * A record whose trees may be deltas of the versions they replaced ({@link NewObject#delta}): a write into a
     * folder of thousands of files rewrites a tree of a few hundred KB, and writing and syncing it whole took
     * ~0.57 ms per PUT on this disk where 1 KiB takes ~0.16 ms (write + fdatasync, measured in a loop), and as
     * much again in copies and checksums. Otherwise as {@link #MAGIC_RAW}; an object's type byte has
     * {@link #DELTA_FLAG} set when a base id and a delta follow instead of its bytes.
     */
    private static final int MAGIC_DELTA = 0x44564a33; // "DVJ3"
    private static final int DELTA_FLAG = 0x80;
    private static final String SEGMENT_PREFIX = "segment-";

    /** One batch of commits as the log holds it. */
    /**
     * One batch of commits as the log holds it.
     *
     * @param unreadable why its objects could not be read back (a delta whose base is nowhere), or null: a record
     *     read from a segment that way has its ref and heads but no objects; recovery may skip it (it was applied
     *     before) but must not apply it
     */
    public record Record(String ref, ObjectId oldHead, ObjectId newHead, List<NewObject> objects, String unreadable) {
        public Record(String ref, ObjectId oldHead, ObjectId newHead, List<NewObject> objects) {
            this(ref, oldHead, newHead, objects, null);
        }
    }

    private final Path dir;
    private final boolean durable;
    private final String label;
    /** The segment records go to, or null: the next append creates one. */
    private FileChannel segment;
    private long segmentNumber;
    /** How many bytes of the current segment were filled with zeros ahead ({@link #create(long, long)}). */
    private long segmentZeros;
    /** Set once a record is synced by this log (not in cluster mode, whose appends another log holds). */
    private volatile boolean syncsRecords;
    private long openedAtNanos;
    private boolean closed;
    private final java.util.function.LongSupplier nanoTime;
    private final Sync sync;
    /** One sync at a time, without this log's monitor: records are written meanwhile (see {@link #write}). */
    private final java.util.concurrent.locks.ReentrantLock syncLock = new java.util.concurrent.locks.ReentrantLock();
    /** Records written so far, and of those the ones known synced (each record's ticket is its number). */
    private long written;
    private long synced;
    /** Changes when records written but not synced are lost: what was built on them must not be written. */
    private long generation;
    /** The records written and not yet synced, oldest first: where each begins, to take them back if their sync fails. */
    private final java.util.ArrayDeque<Unsynced> unsynced = new java.util.ArrayDeque<>();
    /** Records written and not yet published, oldest first (published in this order once synced). */
    private final java.util.ArrayDeque<Pending> unpublished = new java.util.ArrayDeque<>();
    /** Segments ended or abandoned while records in them waited for their sync: closed once it is done. */
    private final List<FileChannel> retired = new ArrayList<>();

    /** How a segment's written bytes are made durable: {@code fdatasync} ({@link FileChannel#force force(false)}); tests pass one that blocks or fails. */
    public interface Sync {
        Sync FDATASYNC = ch -> ch.force(false);

        void force(FileChannel segment) throws IOException;
    }

    private record Unsynced(long ticket, FileChannel channel, long start) {
    }

    /**
     * A record written by {@link #write}: its writes are acknowledged once {@link #awaitDurable} returned for it.
     * Its {@code onDurable} runs once, with this log's monitor held, after every record written before it
     * published, so that readers see the batches in the log's order, and {@link DiskApplier} takes them in
     * the order of the segments ({@link #rotateTo}).
     */
    public static final class Pending {
        private final long ticket;
        private final long segment;
        private final Runnable onDurable;
        /** Why the record is lost (its sync, or one of a record before it, failed), or null. */
        private IOException lost;
        private volatile boolean published;

        /** True once it is synced and its {@code onDurable} ran. */
        public boolean published() {
            return published;
        }

        private Pending(long ticket, long segment, Runnable onDurable) {
            this.ticket = ticket;
            this.segment = segment;
            this.onDurable = onDurable;
        }
    }
    /** A segment is ended (so the applied ones can be deleted) once it holds this much... */
    static final long ROTATE_BYTES = 8L << 20;
    /** ...or is this old. Ending one per applier run made every run's first append create a file and sync its folder. */
    static final long ROTATE_NANOS = 10_000_000_000L;
    /** The least a new segment is filled with zeros ahead ({@link #create(long, long)}). */
    static final long MIN_PREALLOCATE = 64L << 10;

    /**
     * @param durable sync each record before {@link #append} returns (off only for tests of speed)
     */
    public CommitLog(Path dir, boolean durable, String label, java.util.function.LongSupplier nanoTime) throws IOException {
        this(dir, durable, label, nanoTime, Sync.FDATASYNC);
    }

    /**
     * @param sync how written records are made durable (tests pass one that blocks or fails)
     */
    public CommitLog(Path dir, boolean durable, String label, java.util.function.LongSupplier nanoTime, Sync sync) throws IOException {
        this.sync = sync;
        this.nanoTime = nanoTime;
        this.dir = dir;
        this.durable = durable;
        this.label = label;
        long last = 0;
        for (Path p : segments(dir)) {
            last = Math.max(last, number(p));
        }
        // No file is made here: a server starting on a full disk must still start (writes then answer 507).
        this.segmentNumber = last;
    }

    /** The number of the newest segment there is or was (records appended from now on go to a later one after {@link #rotateTo}). */
    public synchronized long currentSegment() {
        return segmentNumber;
    }

    /**
     * Appends one record and, when durable, syncs it. On return the record survives a power cut; on an
     * exception the log is as it was before the call. Not for a caller with a {@link #write written} record in
     * flight: the record would be published before it.
     */
    public void append(Record record) throws IOException {
        append(record, durable);
    }

    /**
     * As {@link #append(Record)}, synced only when {@code sync} (and this log is durable): a record that another,
     * durable log holds already (cluster mode's Raft log) needs no sync of its own, as it is applied again from
     * there when a power cut takes it from this one. The caller publishes it right after (with this log's
     * monitor held, as {@link DiskApplier#enqueue} wants).
     */
    public synchronized void append(Record record, boolean sync) throws IOException {
        Pending p = write(record, generation, null);
        unpublished.removeLast(); // p: the caller publishes it
        if (durable && !sync) {
            unsynced.removeLast(); // p: another log holds it durably; no sync of this one waits for it
        }
        if (durable && sync) {
            try {
                for (FileChannel ch : unsyncedChannels()) {
                    this.sync.force(ch);
                }
            } catch (IOException | RuntimeException e) {
                lose(e);
                if (e instanceof IOException io) {
                    throw NoSpaceException.translate(io);
                }
                throw e;
            }
            syncsRecords = true;
            synced = written;
            unsynced.clear();
        }
    }

    /** The generation to pass to {@link #write}: read before building on records not yet synced. */
    public synchronized long generation() {
        return generation;
    }

    /**
     * Writes one record without waiting for its sync (PostgreSQL's WAL insert, apart from its flush): the next
     * batch of writes is built and written while this one's fdatasync runs, on records not yet durable, and a
     * later {@link #awaitDurable} syncs both with one fdatasync. A sync that fails loses every record written
     * after the last good one, and so what was built on them: {@code generation} is the {@link #generation()}
     * read before the batch started building; when records were lost since, this one is refused.
     *
     * @param onDurable run with this log's monitor held, once the record and every record before it are synced
     *                  (null: nothing to run)
     * @throws IOException when it could not be written (the log is as it was: the record is cut off again), or
     *                     it was built on records lost since
     */
    public synchronized Pending write(Record record, long generation, Runnable onDurable) throws IOException {
        if (closed) {
            throw new IOException("the commit log of " + label + " is closed");
        }
        if (generation != this.generation) {
            throw lost(lastLoss);
        }
        byte[] payload = encode(record, true);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer buf = ByteBuffer.allocate(12 + payload.length);
        buf.putInt(MAGIC_DELTA).putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        if (segment == null) {
            openSegment(segmentNumber + 1);
        }
        long start = segment.position();
        try {
            while (buf.hasRemaining()) {
                segment.write(buf);
            }
        } catch (IOException e) {
            undo(start, e);
            throw NoSpaceException.translate(e);
        } catch (RuntimeException e) {
            undo(start, e);
            throw e;
        }
        Pending p = new Pending(++written, segmentNumber, onDurable);
        if (durable) {
            unsynced.add(new Unsynced(p.ticket, segment, start));
        } else {
            synced = written; // nothing to wait for (tests of speed)
        }
        unpublished.add(p);
        return p;
    }

    /**
     * A marker behind the records written so far: published when they are (a batch that committed nothing
     * answers with a head that one of them made, so not before it is durable).
     */
    public synchronized Pending after(long generation, Runnable onDurable) throws IOException {
        if (generation != this.generation) {
            throw lost(lastLoss);
        }
        Pending p = new Pending(written, segmentNumber, onDurable);
        unpublished.add(p);
        return p;
    }

    /** Why the last records were lost (see {@link #lose}). */
    private IOException lastLoss;

    /** A new exception for each writer that meets a loss (one instance thrown in several threads would be shared). */
    private IOException lost(IOException cause) {
        String m = "the commit log of " + label + " lost this write, or the writes it was made on: " + cause.getMessage();
        return NoSpaceException.of(cause) != null ? new NoSpaceException(m, cause) : new IOException(m, cause);
    }

    /**
     * Returns once {@code p} is synced and published with every record before it: one fdatasync for all records
     * written so far (group commit of the batches written while the last sync ran).
     *
     * @throws IOException when its sync (or an earlier record's) failed: the record is lost, the log is as it was
     *                     before it (its bytes are cut off, the segment is not written again)
     */
    public void awaitDurable(Pending p) throws IOException {
        syncLock.lock();
        try {
            while (true) {
                long upTo;
                long gen;
                List<FileChannel> channels;
                synchronized (this) {
                    if (p.lost != null) {
                        publishSynced(); // the records synced before the loss (a failed write's cut synced them)
                        throw lost(p.lost);
                    }
                    if (synced >= p.ticket) {
                        closeRetired();
                        publishSynced();
                        return;
                    }
                    upTo = written;
                    gen = generation;
                    channels = unsyncedChannels();
                }
                Throwable failure = null;
                try {
                    for (FileChannel ch : channels) {
                        sync.force(ch);
                    }
                } catch (IOException | RuntimeException e) {
                    failure = e;
                }
                synchronized (this) {
                    // A failed write's cut (undo) may have synced or lost these records meanwhile: then look again.
                    if (gen == generation) {
                        if (failure == null) {
                            syncsRecords = true;
                            synced = Math.max(synced, upTo);
                            while (!unsynced.isEmpty() && unsynced.peekFirst().ticket() <= synced) {
                                unsynced.removeFirst();
                            }
                        } else {
                            lose(failure);
                        }
                    }
                }
            }
        } finally {
            syncLock.unlock();
        }
    }

    /** Under this monitor and the sync lock: publishes the synced records, in the order written. */
    private void publishSynced() {
        for (Pending q; (q = unpublished.peekFirst()) != null && q.ticket <= synced; ) {
            unpublished.removeFirst();
            if (q.onDurable != null) {
                q.onDurable.run();
            }
            q.published = true;
        }
    }

    /**
     * Syncs and publishes every record written so far (a push or a close, which need the published state to
     * be all there is). A failure is reported to those records' writers, not here.
     */
    public void drain() {
        Pending p;
        synchronized (this) {
            if (unpublished.isEmpty()) {
                return;
            }
            p = new Pending(written, segmentNumber, null);
            unpublished.add(p);
        }
        try {
            awaitDurable(p);
        } catch (IOException e) {
            LOG.debug("{}: records lost while draining the commit log: {}", label, e.toString());
        }
    }

    /** Under this monitor: the segments holding records not yet synced, oldest first. */
    private List<FileChannel> unsyncedChannels() {
        List<FileChannel> out = new ArrayList<>(2);
        for (Unsynced u : unsynced) {
            if (out.isEmpty() || out.get(out.size() - 1) != u.channel()) {
                out.add(u.channel());
            }
        }
        return out;
    }

    /**
     * Under this monitor: closes the retired segments no unsynced record is in any more; only with the sync lock
     * held, as a sync may be running on one (it holds the lock, not this monitor).
     */
    private void closeRetired() {
        if (!syncLock.isHeldByCurrentThread()) {
            return;
        }
        for (java.util.Iterator<FileChannel> it = retired.iterator(); it.hasNext(); ) {
            FileChannel ch = it.next();
            if (unsynced.stream().noneMatch(u -> u.channel() == ch)) {
                it.remove();
                try {
                    ch.close();
                } catch (IOException e) {
                    LOG.warn("closing a segment of the commit log of {}: {}", label, e.toString());
                }
            }
        }
    }

    /**
     * Under this monitor: a sync failed, so the records written since the last good one are lost (after a failed
     * fdatasync the state of the written pages is unknown: Linux may drop them and report success next time). Each
     * is cut off where it began, best effort, and its segment is written no more: the next record starts a new one,
     * never after bytes that might be a torn record; what was built on them is refused ({@link #generation}).
     */
    private void lose(Throwable cause) {
        IOException io = cause instanceof IOException e ? NoSpaceException.translate(e)
                : new IOException("syncing the commit log of " + label + " failed", cause);
        for (Pending q : unpublished) {
            if (q.ticket > synced && q.lost == null) {
                q.lost = io;
            }
        }
        unpublished.removeIf(q -> q.lost != null);
        java.util.Set<FileChannel> cut = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Unsynced u : unsynced) {
            if (cut.add(u.channel())) {
                try {
                    u.channel().truncate(u.start());
                    sync.force(u.channel());
                } catch (IOException | RuntimeException e) {
                    cause.addSuppressed(e); // readers stop at a torn record, and nothing follows it in this segment
                }
            }
        }
        unsynced.clear();
        if (segment != null) {
            retired.add(segment);
            segment = null;
        }
        closeRetired();
        written = synced;
        generation++;
        lastLoss = io;
    }

    /**
     * Cuts a failed record off. After a failed fdatasync the state of the written pages is unknown (Linux
     * may drop them and report success next time), so the segment is abandoned even when the cut worked:
     * the next record goes to a new segment, never after bytes that might be a torn record. Records written
     * before it and not yet synced are synced by the cut's own fdatasync, or lost with it.
     */
    private void undo(long start, Throwable cause) {
        FileChannel ch = segment;
        try {
            ch.truncate(start);
            if (durable) {
                sync.force(ch);
            }
            synced = written;
            unsynced.clear();
            retired.add(ch);
            segment = null;
            closeRetired();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
            lose(cause); // the torn tail stays; readers stop there, and nothing follows it in this segment
        }
    }

    private void openSegment(long number) throws IOException {
        segment = create(number);
        segmentZeros = 0;
        segmentNumber = number;
        openedAtNanos = nanoTime.getAsLong();
    }

    private FileChannel create(long number) throws IOException {
        return create(number, 0);
    }

    /**
     * @param preallocate bytes of zeros written and synced ahead (0: none), so that the appends into them change
     *                    neither the file's size nor its blocks, and fdatasync writes the data alone: an append
     *                    that grows the file also commits the file system's journal (the new size). Write +
     *                    fdatasync of 2 KB records on this disk (ext4, Python loop of 2,000): 0.18-0.25 ms
     *                    growing the file, 0.12-0.15 ms inside zeros written before. PostgreSQL fills its WAL
     *                    segments with zeros for the same reason; zeros, not fallocate, as a block fallocate
     *                    leaves unwritten needs a journal commit when it is first written.
     */
    private FileChannel create(long number, long preallocate) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(String.format("%s%016d", SEGMENT_PREFIX, number));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (preallocate > 0) {
            try {
                ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
                for (long at = 0; at < preallocate; at += zeros.capacity()) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        ch.write(zeros);
                    }
                }
                ch.force(false); // not the records' sync: nothing is promised by it (and tests hold only those)
            } catch (IOException e) {
                // A nearly full disk: the segment grows as it is written instead (readers stop at zeros either way).
                LOG.debug("{}: no room to fill a new segment of the commit log ahead: {}", label, e.toString());
                ch.truncate(0);
            }
            ch.position(0);
        }
        try {
            // The segment's name must be durable before a record in it is promised: fdatasync of the file
            // covers its data and size, not its directory entry.
            DurableFiles.forceDirectory(dir);
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(file);
            throw NoSpaceException.translate(e);
        }
        return ch;
    }

    /** A segment made ahead of time, off the appenders' path, to take over at {@link #rotateTo}. */
    public record Prepared(long number, FileChannel channel, long zeros) {
    }

    /**
     * When the current segment is due to end (big or old enough), makes the next one now, without holding
     * this log's monitor, so that no append pays for creating a file and syncing the folder; else null.
     */
    public Prepared prepareRotation() throws IOException {
        long next;
        long preallocate;
        synchronized (this) {
            // Also once appends go beyond the zeros filled ahead, while that was less than a whole segment (the first
            // segment after a start is made by a write and has none): a busy log's segments double up to ROTATE_BYTES.
            // Only where this log syncs its records: cluster mode's appends are not synced here (the Raft log holds
            // them), and zeros ahead would only be more to write there.
            boolean beyondZeros = syncsRecords && segment != null && segment.position() >= segmentZeros && segmentZeros < ROTATE_BYTES;
            if (segment == null || closed || !beyondZeros && segment.position() < ROTATE_BYTES
                    && nanoTime.getAsLong() - openedAtNanos < ROTATE_NANOS) {
                return null;
            }
            next = segmentNumber + 1;
            // As much as the ending segment took, twice over (a segment ends after ROTATE_NANOS too): a server
            // written now and then fills little ahead, a busy one a whole segment.
            preallocate = !syncsRecords ? 0 : Math.max(MIN_PREALLOCATE, Math.min(ROTATE_BYTES, 2 * segment.position()));
        }
        FileChannel ch = create(next, preallocate);
        return new Prepared(next, ch, ch.size());
    }

    /**
     * Called with this log's monitor held, together with taking the batches appended so far: ends the current
     * segment and continues in {@code p}. Returns the number of the last segment that holds records appended
     * so far (once they are applied, {@link #trim} of it deletes them), or -1 when {@code p} is null or no
     * longer fits (an append opened a segment meanwhile; {@code p} is then deleted).
     */
    public long rotateTo(Prepared p) throws IOException {
        if (p == null) {
            return -1;
        }
        if (closed || p.number() != segmentNumber + 1) {
            p.channel().close();
            Files.deleteIfExists(dir.resolve(String.format("%s%016d", SEGMENT_PREFIX, p.number())));
            return -1;
        }
        FileChannel old = segment;
        segment = p.channel();
        segmentZeros = p.zeros();
        segmentNumber = p.number();
        openedAtNanos = nanoTime.getAsLong();
        if (old != null) {
            if (unsynced.stream().anyMatch(u -> u.channel() == old)) {
                retired.add(old); // its sync may be running: closed once it is done
            } else {
                old.close();
            }
        }
        // A record written and not yet published is not in the applier's queue yet: its segment stays.
        Pending first = unpublished.peekFirst();
        return first == null ? p.number() - 1 : Math.min(p.number() - 1, first.segment - 1);
    }

    /** Deletes the segments up to {@code upTo}: every record in them is applied to the repository on disk. */
    public void trim(long upTo) throws IOException {
        for (Path p : segments(dir)) {
            if (number(p) <= upTo) {
                // No fsync of the folder needed: a deletion lost in a crash leaves records that recovery
                // finds already applied (their old id is not the branch's value) and skips.
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        for (FileChannel ch : retired) {
            ch.close();
        }
        retired.clear();
        if (segment != null) {
            segment.close();
            segment = null;
        }
    }

    /**
     * Where a record's delta finds its base when the record itself does not hold it: a tree of an earlier
     * record, or the repository's (null: not known).
     */
    public interface Bases {
        byte[] bytes(ObjectId id) throws IOException;
    }

    /** A record holds a delta whose base is nowhere: not in the record, the log before it, nor {@link Bases}. */
    public static final class MissingBaseException extends IOException {
        MissingBaseException(String message) {
            super(message);
        }
    }

    /** The records of a log without deltas to resolve but against each other (tests, and logs of no repository). */
    public static List<Record> readAll(Path dir) throws IOException {
        return readAll(dir, id -> null);
    }

    /**
     * The intact records of every segment in {@code dir}, oldest first, each segment up to its first torn record;
     * a delta's base is looked for among the objects of the records read before it, then in {@code bases}.
     *
     * A record whose delta's base is nowhere is returned {@link Record#unreadable}, with its heads: its writes
     * were acknowledged, so the log does not end there; the caller decides whether it needs the record.
     */
    public static List<Record> readAll(Path dir, Bases bases) throws IOException {
        List<Record> out = new ArrayList<>();
        java.util.Map<ObjectId, byte[]> trees = new java.util.HashMap<>();
        for (Path seg : segments(dir)) {
            out.addAll(readSegment(seg, trees, bases));
        }
        return out;
    }

    /**
     * The intact records of a segment, in order, up to the first torn or foreign one; {@code trees}: the trees of
     * the records read before, where a delta looks for its base before {@code bases} (and this segment's go).
     */
    private static List<Record> readSegment(Path seg, java.util.Map<ObjectId, byte[]> trees, Bases bases) throws IOException {
        List<Record> records = new ArrayList<>();
        byte[] all = Files.readAllBytes(seg);
        ByteBuffer buf = ByteBuffer.wrap(all);
        while (buf.remaining() >= 12) {
            int magic = buf.getInt();
            int len = buf.getInt();
            int crcValue = buf.getInt();
            if (magic != MAGIC && magic != MAGIC_RAW && magic != MAGIC_DELTA || len < 0 || len > buf.remaining()) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(all, buf.position(), len);
            if ((int) crc.getValue() != crcValue) {
                break;
            }
            Record record;
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, buf.position(), len))) {
                if (magic == MAGIC) {
                    record = readLoose(in, trees);
                } else {
                    record = read(in, magic == MAGIC_DELTA, trees, bases);
                }
            } catch (EOFException e) {
                break;
            } catch (MissingBaseException e) {
                // Intact (its CRC matched), but a tree's base is gone: a record applied long ago whose deleted
                // segment came back after a power cut, the history it followed since replaced by a push and its
                // trees dropped by a repack. Its heads still tell recovery whether it is needed.
                Record heads = decodeHeads(java.util.Arrays.copyOfRange(all, buf.position(), buf.position() + len));
                record = new Record(heads.ref(), heads.oldHead(), heads.newHead(), List.of(), e.getMessage());
            }
            if (record == null) {
                break;
            }
            records.add(record);
            buf.position(buf.position() + len);
        }
        return records;
    }

    /**
     * A record of the first format (objects as loose, deflated files), its trees added to {@code trees} (a later
     * record's delta may build on them); null where one cannot be inflated.
     */
    private static Record readLoose(DataInputStream in, java.util.Map<ObjectId, byte[]> trees) throws IOException {
        String ref = in.readUTF();
        ObjectId oldHead = readId(in);
        ObjectId newHead = readId(in);
        int n = in.readInt();
        List<NewObject> objs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectId id = readId(in);
            byte[] deflated = new byte[in.readInt()];
            in.readFully(deflated);
            LooseObject.Content c = new LooseObject(id, deflated).inflate();
            if (c == null) {
                return null; // cannot be: the CRC matched; stop here as at any damage
            }
            objs.add(new NewObject(id, c.type(), c.bytes()));
            if (c.type() == org.eclipse.jgit.lib.Constants.OBJ_TREE) {
                trees.put(id, c.bytes());
            }
        }
        return new Record(ref, oldHead, newHead, objs);
    }

    public static List<Path> segments(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, SEGMENT_PREFIX + "*")) {
            s.forEach(out::add);
        }
        out.sort((a, b) -> Long.compare(number(a), number(b)));
        return out;
    }

    private static long number(Path segment) {
        try {
            return Long.parseLong(segment.getFileName().toString().substring(SEGMENT_PREFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * A record as the bytes of a segment's payload (no frame, no checksum), every object whole, for shipping it
     * elsewhere: cluster mode replicates exactly these bytes ({@link #decode}).
     */
    public static byte[] encode(Record r) throws IOException {
        return encode(r, false);
    }

    /**
     * As {@link #encode(Record)}, a tree with a {@link NewObject#delta} written as that delta: the form cluster
     * mode replicates when {@link #hasDeltas} ({@link #decodeWithDeltas}).
     */
    public static byte[] encodeWithDeltas(Record r) throws IOException {
        return encode(r, true);
    }

    /** Whether an object of {@code r} has a delta to write instead of its bytes. */
    public static boolean hasDeltas(Record r) {
        for (NewObject o : r.objects()) {
            if (o.delta() != null) {
                return true;
            }
        }
        return false;
    }

    /** {@code deltas}: a tree with a {@link NewObject#delta} is written as that delta ({@link #MAGIC_DELTA}). */
    private static byte[] encode(Record r, boolean deltas) throws IOException {
        int size = 256;
        for (NewObject o : r.objects()) {
            size += (deltas && o.delta() != null ? o.delta().length + 20 : o.bytes().length) + 25;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(r.ref());
        writeId(out, r.oldHead());
        writeId(out, r.newHead());
        out.writeInt(r.objects().size());
        for (NewObject o : r.objects()) {
            writeId(out, o.id());
            if (deltas && o.delta() != null) {
                out.writeByte(o.type() | DELTA_FLAG);
                writeId(out, o.previous());
                out.writeInt(o.delta().length);
                out.write(o.delta());
            } else {
                out.writeByte(o.type());
                out.writeInt(o.bytes().length);
                out.write(o.bytes());
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    /** The record {@link #encode} made; an IOException when the bytes are not one. */
    public static Record decode(byte[] payload) throws IOException {
        return decode(payload, false, id -> null);
    }

    /**
     * The record {@link #encodeWithDeltas} made, a delta's base found in the record or by {@code bases}; an
     * IOException when the bytes are not one or a base is nowhere.
     */
    public static Record decodeWithDeltas(byte[] payload, Bases bases) throws IOException {
        return decode(payload, true, bases);
    }

    private static Record decode(byte[] payload, boolean deltas, Bases bases) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            Record r = read(in, deltas, new java.util.HashMap<>(), bases);
            if (in.available() > 0) {
                throw new IOException("not a commit-log record: " + in.available() + " bytes left over");
            }
            return r;
        }
    }

    /** The ref and heads of the record {@link #encode} or {@link #encodeWithDeltas} made, its objects left unread. */
    public static Record decodeHeads(byte[] payload) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            String ref = in.readUTF();
            ObjectId oldHead = readId(in);
            return new Record(ref, oldHead, readId(in), List.of());
        }
    }

    /**
     * A record's payload ({@link #MAGIC_RAW}, or {@link #MAGIC_DELTA} when {@code deltas}): a delta's base is a
     * tree in {@code trees} (read before, this record's earlier ones included: each tree read is added) or one
     * {@code bases} knows, and the object made from it must have the id the record gives.
     */
    private static Record read(DataInputStream in, boolean deltas, java.util.Map<ObjectId, byte[]> trees, Bases bases)
            throws IOException {
        String ref = in.readUTF();
        ObjectId oldHead = readId(in);
        ObjectId newHead = readId(in);
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("not a commit-log record: " + n + " objects");
        }
        List<NewObject> objs = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            ObjectId id = readId(in);
            int type = in.readUnsignedByte();
            ObjectId base = null;
            if (deltas && (type & DELTA_FLAG) != 0) {
                type &= ~DELTA_FLAG;
                base = readId(in);
            }
            int len = in.readInt();
            if (len < 0 || len > in.available()) {
                throw new IOException("not a commit-log record: object of " + len + " bytes");
            }
            byte[] bytes = new byte[len];
            in.readFully(bytes);
            if (base != null) {
                byte[] baseBytes = trees.get(base);
                if (baseBytes == null) {
                    baseBytes = bases.bytes(base);
                }
                String what = "commit-log record of " + ref + " -> " + (newHead == null ? "none" : newHead.name())
                        + ": object " + id.name();
                if (baseBytes == null) {
                    throw new MissingBaseException(what + " is a delta of " + base.name() + ", which is neither in the log nor in the repository");
                }
                byte[] delta = bytes;
                try {
                    bytes = org.eclipse.jgit.internal.storage.pack.BinaryDelta.apply(baseBytes, delta);
                } catch (RuntimeException e) {
                    throw new IOException(what + ": its delta does not apply to " + base.name() + " (" + e + ")", e);
                }
                if (!dev.davit.storage.objects.ObjectIds.of(type, bytes, 0, bytes.length).equals(id)) {
                    throw new IOException(what + " made from its delta has another id");
                }
                objs.add(new NewObject(id, type, bytes, base, delta));
            } else {
                objs.add(new NewObject(id, type, bytes));
            }
            if (type == org.eclipse.jgit.lib.Constants.OBJ_TREE) {
                trees.put(id, bytes);
            }
        }
        return new Record(ref, oldHead, newHead, objs);
    }

    private static void writeId(DataOutputStream out, ObjectId id) throws IOException {
        byte[] raw = new byte[20];
        (id == null ? ObjectId.zeroId() : id).copyRawTo(raw, 0);
        out.write(raw);
    }

    /** The zero id reads back as null (no previous head). */
    private static ObjectId readId(DataInputStream in) throws IOException {
        byte[] raw = new byte[20];
        in.readFully(raw);
        ObjectId id = ObjectId.fromRaw(raw);
        return id.equals(ObjectId.zeroId()) ? null : id;
    }
}
