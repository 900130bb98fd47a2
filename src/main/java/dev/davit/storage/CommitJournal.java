package dev.davit.storage;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log that makes a commit durable with one fdatasync.
 *
 * <p>Why: a commit is a blob, a tree per folder on its path, a commit object and a ref: five or more files.
 * fsync of each (what {@code core.fsyncObjectFiles} does) costs one journal flush of the file system per
 * file, and on these machines that flush, not the CPU, bounded the rate of writes. Instead each batch of
 * commits appends one record to a segment file, holding the loose-object bytes of every object the batch
 * wrote and the ref's old and new value, and syncs that one file (the record is the promise behind the 2xx).
 * The object files and the ref are written normally, without fsync. A checkpoint, at most a few seconds
 * later and off the request path, flushes the whole file system with one syncfs ({@link FileSystemSync}),
 * starts a new segment and deletes the old ones.
 *
 * <p>After a crash (a segment still exists when the repository opens) {@link #recover} makes the
 * repository what the acknowledged writes left: loose objects written since the last checkpoint that are
 * torn are deleted, every object of every intact record is written again where missing, and the branch is
 * moved to the newest record's commit unless it already holds it or something newer (a push). A record cut
 * short by the crash fails its CRC and is ignored: its writes were never acknowledged.
 *
 * <p>Segment: records of {@code MAGIC, payload length, CRC32C(payload), payload}; payload: ref name,
 * old id, new id, object count, then per object its id, length and loose (deflated) bytes.
 */
final class CommitJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommitJournal.class);
    private static final int MAGIC = 0x44564a31; // "DVJ1"
    private static final String SEGMENT_PREFIX = "segment-";
    private static final String CHECKPOINT_FILE = "checkpoint";
    /** A checkpoint follows this long after the first record since the last one (tests stretch it). */
    static volatile long checkpointDelayMs = 3_000;
    /** ... or as soon as the records since the last one reach this size. */
    static final long CHECKPOINT_BYTES = 32L << 20;
    /** Loose objects modified this long before the last checkpoint began are checked too (clock steps). */
    private static final long MTIME_SLACK_MS = 5_000;

    private static final ScheduledExecutorService CHECKPOINTS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "davit-checkpoint");
        t.setDaemon(true);
        return t;
    });

    private final Path dir;
    private final boolean durable;
    private final String label;
    private FileChannel segment;
    private long segmentNumber;
    private long bytesSinceCheckpoint;
    private boolean dirty;
    private boolean scheduled;
    private boolean closed;

    /**
     * Opens the journal in {@code dir}, after {@link #recover} ran, with a fresh segment: while the
     * server runs a segment always exists, so that a crash at any moment leads to recovery at the next open.
     *
     * @param durable sync each record before returning from {@link #append}
     */
    CommitJournal(Path dir, boolean durable, String label) throws IOException {
        this.dir = dir;
        this.durable = durable;
        this.label = label;
        Files.createDirectories(dir);
        long last = 0;
        for (Path p : segments(dir)) {
            last = Math.max(last, number(p));
        }
        openSegment(last + 1);
    }

    private void openSegment(long number) throws IOException {
        segmentNumber = number;
        segment = FileChannel.open(dir.resolve(String.format("%s%016d", SEGMENT_PREFIX, number)),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        // The segment's directory entry must be durable before a record in it is promised durable;
        // fdatasync of the file covers its data and size, not its name.
        FileSystemSync.syncDirectory(dir);
    }

    /**
     * Appends one record and, when durable, syncs it: on return the objects and the ref value survive a
     * crash, whatever happens to the object files.
     */
    synchronized void append(String ref, ObjectId oldHead, ObjectId newHead, Collection<LooseObject> objects)
            throws IOException {
        if (closed) {
            throw new IOException("journal of " + label + " is closed");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + objects.stream().mapToInt(o -> o.deflated().length + 24).sum());
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(ref);
        writeId(out, oldHead);
        writeId(out, newHead);
        out.writeInt(objects.size());
        for (LooseObject o : objects) {
            writeId(out, o.id());
            out.writeInt(o.deflated().length);
            out.write(o.deflated());
        }
        out.flush();
        byte[] payload = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer buf = ByteBuffer.allocate(12 + payload.length);
        buf.putInt(MAGIC).putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        while (buf.hasRemaining()) {
            segment.write(buf);
        }
        if (durable) {
            segment.force(false);
        }
        bytesSinceCheckpoint += payload.length + 12L;
        dirty = true;
        if (bytesSinceCheckpoint >= CHECKPOINT_BYTES) {
            scheduleCheckpoint(0);
        } else if (!scheduled) {
            scheduleCheckpoint(checkpointDelayMs);
        }
    }

    private void scheduleCheckpoint(long delayMs) {
        scheduled = true;
        CHECKPOINTS.schedule(() -> {
            try {
                checkpoint();
            } catch (IOException | RuntimeException e) {
                LOG.error("checkpoint of {} failed (the journal keeps the writes; retrying later): {}", label, e.toString());
                synchronized (this) {
                    if (!closed) {
                        scheduleCheckpoint(checkpointDelayMs);
                    }
                }
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Makes every file written so far durable by itself and drops the records that were needed only until
     * then. Records appended meanwhile go to the new segment and wait for the next checkpoint.
     */
    void checkpoint() throws IOException {
        long started;
        long upTo;
        synchronized (this) {
            scheduled = false;
            if (!dirty || closed) {
                return;
            }
            started = System.currentTimeMillis();
            segment.close();
            upTo = segmentNumber;
            openSegment(segmentNumber + 1);
            dirty = false;
            bytesSinceCheckpoint = 0;
        }
        // Everything written before `started` is flushed by this; loose objects written later are checked by
        // recover() (their mtime is later than the recorded time).
        FileSystemSync.sync(dir);
        writeCheckpointTime(dir, started);
        for (Path p : segments(dir)) {
            if (number(p) <= upTo) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A last checkpoint, then no segment is left: the next open needs no recovery. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            dirty = true; // flush even an idle journal: the files of the last batch may be unsynced
        }
        checkpoint();
        synchronized (this) {
            closed = true;
            segment.close();
            for (Path p : segments(dir)) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Brings the repository to the state of the acknowledged writes after a crash. Does nothing after a
     * clean close (no segment left). Runs before the repository serves anything.
     */
    static void recover(Repository repo, Path dir, String ref) throws IOException {
        List<Path> segments = segments(dir);
        if (segments.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        Path objects = repo.getDirectory().toPath().resolve("objects");
        int torn = removeTornObjects(objects, readCheckpointTime(dir) - MTIME_SLACK_MS);
        ObjectId newest = null;
        int records = 0;
        int rewritten = 0;
        for (Path seg : segments) {
            for (Record r : readSegment(seg)) {
                records++;
                for (LooseObject o : r.objects()) {
                    if (!Files.exists(LooseObject.path(objects, o.id())) && !repo.getObjectDatabase().has(o.id())) {
                        o.rewrite(objects);
                        rewritten++;
                    }
                }
                if (r.ref().equals(ref)) {
                    newest = r.newHead();
                }
            }
        }
        String moved = restoreRef(repo, ref, newest);
        FileSystemSync.sync(dir);
        writeCheckpointTime(dir, System.currentTimeMillis());
        for (Path seg : segments) {
            Files.deleteIfExists(seg);
        }
        LOG.warn("recovered {} after an unclean stop in {} ms: {} journal records, {} torn objects removed, "
                        + "{} objects restored, {}", repo.getDirectory(), (System.nanoTime() - started) / 1_000_000,
                records, torn, rewritten, moved);
    }

    /** Moves {@code ref} to {@code newest} when it lags behind it or is unreadable; never backwards. */
    private static String restoreRef(Repository repo, String ref, ObjectId newest) throws IOException {
        Path loose = repo.getDirectory().toPath().resolve(ref);
        if (Files.isRegularFile(loose)) {
            String text = Files.readString(loose, StandardCharsets.ISO_8859_1).trim();
            if (!text.matches("[0-9a-f]{40}") && !text.startsWith("ref: ")) {
                Files.delete(loose); // torn by the crash; packed-refs or the journal tell the value
            }
        }
        repo.getRefDatabase().refresh();
        Ref current = repo.exactRef(ref);
        ObjectId cur = current == null ? null : current.getObjectId();
        boolean curOk = cur != null && repo.getObjectDatabase().has(cur);
        if (newest == null || !repo.getObjectDatabase().has(newest)) {
            return "branch left at " + (cur == null ? "nothing" : cur.name());
        }
        if (curOk && cur.equals(newest)) {
            return "branch already at " + newest.name();
        }
        if (curOk) {
            try (RevWalk rw = new RevWalk(repo)) {
                if (!rw.isMergedInto(rw.parseCommit(cur), rw.parseCommit(newest))) {
                    return "branch left at " + cur.name() + " (newer than the journal)";
                }
            }
        }
        RefUpdate ru = repo.updateRef(ref);
        ru.setNewObjectId(newest);
        ru.setForceUpdate(true);
        ru.disableRefLog();
        RefUpdate.Result result = ru.update();
        return "branch moved to " + newest.name() + " (" + result + ")";
    }

    /** Deletes loose objects modified since {@code sinceMillis} that do not hash to their name, and temp files. */
    private static int removeTornObjects(Path objects, long sinceMillis) throws IOException {
        int removed = 0;
        if (!Files.isDirectory(objects)) {
            return 0;
        }
        try (DirectoryStream<Path> fanouts = Files.newDirectoryStream(objects, "[0-9a-f][0-9a-f]")) {
            for (Path fanout : fanouts) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fanout)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (name.startsWith("tmp_obj_")) {
                            Files.deleteIfExists(f);
                            continue;
                        }
                        if (name.length() != 38 || Files.getLastModifiedTime(f).toMillis() < sinceMillis) {
                            continue;
                        }
                        ObjectId id;
                        try {
                            id = ObjectId.fromString(fanout.getFileName() + name);
                        } catch (IllegalArgumentException e) {
                            continue;
                        }
                        if (!LooseObject.isIntact(f, id)) {
                            Files.deleteIfExists(f);
                            removed++;
                        }
                    }
                }
            }
        }
        return removed;
    }

    record Record(String ref, ObjectId oldHead, ObjectId newHead, List<LooseObject> objects) {
    }

    /** The intact records of a segment, in order, up to the first torn or foreign one. */
    static List<Record> readSegment(Path seg) throws IOException {
        List<Record> records = new ArrayList<>();
        byte[] all = Files.readAllBytes(seg);
        ByteBuffer buf = ByteBuffer.wrap(all);
        while (buf.remaining() >= 12) {
            int magic = buf.getInt();
            int len = buf.getInt();
            int crcValue = buf.getInt();
            if (magic != MAGIC || len < 0 || len > buf.remaining()) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(all, buf.position(), len);
            if ((int) crc.getValue() != crcValue) {
                break;
            }
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, buf.position(), len))) {
                String ref = in.readUTF();
                ObjectId oldHead = readId(in);
                ObjectId newHead = readId(in);
                int n = in.readInt();
                List<LooseObject> objs = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ObjectId id = readId(in);
                    byte[] deflated = new byte[in.readInt()];
                    in.readFully(deflated);
                    objs.add(new LooseObject(id, deflated));
                }
                records.add(new Record(ref, oldHead, newHead, objs));
            } catch (EOFException e) {
                break;
            }
            buf.position(buf.position() + len);
        }
        return records;
    }

    static List<Path> segments(Path dir) throws IOException {
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

    private static long readCheckpointTime(Path dir) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(CHECKPOINT_FILE)).trim());
        } catch (IOException | NumberFormatException e) {
            return 0; // unknown: check every loose object
        }
    }

    private static void writeCheckpointTime(Path dir, long millis) throws IOException {
        Path tmp = dir.resolve(CHECKPOINT_FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((millis + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(false);
        }
        Files.move(tmp, dir.resolve(CHECKPOINT_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        FileSystemSync.syncDirectory(dir);
    }

    private static void writeId(DataOutputStream out, ObjectId id) throws IOException {
        byte[] raw = new byte[20];
        (id == null ? ObjectId.zeroId() : id).copyRawTo(raw, 0);
        out.write(raw);
    }

    private static ObjectId readId(DataInputStream in) throws IOException {
        byte[] raw = new byte[20];
        in.readFully(raw);
        return ObjectId.fromRaw(raw);
    }
}
