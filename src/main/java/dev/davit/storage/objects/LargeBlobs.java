package dev.davit.storage.objects;

import dev.davit.storage.disk.DurableFiles;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Adler32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;

/**
 * Large blobs: stored from a stream as one loose object, at the speed of the disk, never held in memory and
 * durable when {@link #insert} returns; and read back from that file directly ({@link #openLoose}).
 *
 * <p><b>Format.</b> A standard loose object, {@code zlib("blob <len>\0" + content)}, whose deflate stream is
 * made of <em>stored</em> blocks (level 0): zlib's level 1 runs at ~30 MB/s on random data on these machines,
 * storing runs at the speed of memory. The background repack compresses the object later; git and JGit read
 * the file as any other loose object. All blocks but the last hold {@value #MAX_BLOCK} bytes, so a reader
 * finds any offset without inflating ({@link StoredBlobStream}: GET and ranges straight from the file).
 *
 * <p><b>Pipeline.</b> The caller's thread reads the body into a few fixed buffers; a worker thread hashes
 * them (the JDK's SHA-1, see below), adds the zlib framing and writes them to a temporary file, so reading
 * the socket and hashing/writing run on two cores. At most {@value #BUFFERS} buffers of {@value #BUFFER_SIZE}
 * bytes are in flight per upload. While the file grows, its written part is flushed to disk in the
 * background every {@value #SYNC_EVERY} bytes, so the final fsync has little left to do.
 *
 * <p><b>Durability.</b> The temporary file is fsynced, linked (or renamed) to {@code objects/xx/yyyy…} without
 * replacing an existing file, and the fan-out folder and {@code objects/} are fsynced, all before this
 * returns. The temporary file lives in {@code tmpDir} (same file system; else in {@code objects/}): a crash
 * leaves only that file, which {@link GitRepository} deletes when it next opens the repository.
 *
 * <p><b>SHA-1.</b> The id is computed with the JDK's SHA-1 ({@link MessageDigest}, ~1 GB/s with the CPU's
 * SHA instructions) and not with JGit's collision-detecting SHA-1 (~90 MB/s on these machines, slower than
 * the upload target). The attack collision detection guards against is a second, different content under an
 * id already stored; {@link #insert} closes it directly: when the id is already present, the stored object
 * is compared byte for byte with the upload, and a difference is refused as a SHA-1 collision. What is not
 * detected is a blob crafted as one half of a collision whose twin is not stored here (git's own SHA-1DC
 * would refuse to fetch such a blob).
 */
public final class LargeBlobs {
    /** Bytes per buffer handed from the reading thread to the writing thread. */
    public static final int BUFFER_SIZE = 256 * 1024;
    /** Buffers per upload (the bound on memory held by one upload). */
    public static final int BUFFERS = 4;
    /** The written part of the temporary file is flushed in the background after this many more bytes. */
    public static final long SYNC_EVERY = 128L << 20;
    /** Blobs larger than this are read by {@link #openLoose} when loose (smaller ones: JGit, which caches). */
    public static final long STREAM_FROM_FILE = 1 << 20;
    /** Largest stored deflate block. */
    private static final int MAX_BLOCK = 65535;

    /**
     * The threads uploads hand their hashing and background flushes to (one or two per upload in flight): a
     * cached pool, passed in by the owner of the repositories, which shuts it down.
     */
    public static ExecutorService newWorkers() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "davit-large-blob-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private LargeBlobs() {
    }

    /**
     * Stores {@code length} bytes of {@code in} as a blob and returns its id; {@code length < 0} reads to the
     * end of the stream (spooled to a file under {@code tmpDir} first, as the object header states the size).
     * An object already present is not written again. The loose file then holds exactly the bytes framed and
     * checksummed here (written here, or found equal byte for byte, or read whole through its checksum by the
     * comparison), which {@code reads} remembers as checked ({@link LargeBlobReads}).
     *
     * @throws IOException when the stream ends before {@code length} bytes (nothing is stored), or the
     *                     stored object of the same id has a different content (a SHA-1 collision)
     */
    public static ObjectId insert(Repository repo, Path tmpDir, InputStream in, long length, ExecutorService workers,
                                  LargeBlobReads reads) throws IOException {
        Files.createDirectories(tmpDir);
        if (length < 0) {
            Path spool = Files.createTempFile(tmpDir, "spool-", ".tmp");
            try {
                long size;
                try (OutputStream out = Files.newOutputStream(spool)) {
                    size = copy(in, out);
                }
                try (InputStream s = Files.newInputStream(spool)) {
                    return insert(repo, tmpDir, s, size, workers, reads);
                }
            } finally {
                Files.deleteIfExists(spool);
            }
        }
        Path objects = repo.getDirectory().toPath().resolve("objects");
        // The temporary file is renamed into objects/, so it must be on the same file system; tmpDir is
        // preferred because it is emptied when the repository opens (a crash leaves nothing in objects/).
        Path tmpHome = sameFileSystem(tmpDir, objects) ? tmpDir : objects;
        Path tmp = Files.createTempFile(tmpHome, "tmp_obj_", null);
        try {
            ObjectId id;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                id = write(in, length, ch, workers);
                if (repo.getObjectDatabase().has(id)) {
                    requireSameContent(repo, objects, id, tmp);
                    reads.written(objects, id);
                    return id;
                }
                ch.force(true);
            }
            Path target = LooseObject.path(objects, id);
            Path fanOut = target.getParent();
            Files.createDirectories(fanOut);
            if (!place(tmp, target)) {
                requireSameContent(repo, objects, id, tmp); // a concurrent upload stored it first
                reads.written(objects, id);
                return id;
            }
            DurableFiles.forceDirectory(fanOut);
            // Always: the fan-out folder may be new (created here or by a concurrent writer that has not
            // synced objects/ yet); on a clean folder this costs next to nothing.
            DurableFiles.forceDirectory(objects);
            reads.written(objects, id);
            return id;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean sameFileSystem(Path a, Path b) {
        try {
            return Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Gives the synced temporary file its object name without replacing an existing file (as git does: a
     * hard link, then the temporary name goes; a rename where links are not supported). False when the
     * object appeared meanwhile.
     */
    private static boolean place(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(target)) {
                return false;
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e2) {
                Files.move(tmp, target);
            }
            return true;
        }
    }

    private static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[BUFFER_SIZE];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    /** One filled buffer; {@code n < 0} ends the stream ({@link #END}) or abandons it ({@link #ABORT}). */
    private record Chunk(byte[] buf, int n) {
    }

    private static final Chunk END = new Chunk(null, -1);
    private static final Chunk ABORT = new Chunk(null, -2);

    /**
     * Reads exactly {@code length} bytes of {@code in} on this thread and writes the loose object to
     * {@code ch} on a worker thread; returns the object's id once all of it is written (not yet synced).
     */
    private static ObjectId write(InputStream in, long length, FileChannel ch, ExecutorService workers) throws IOException {
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[BUFFER_SIZE]);
        }
        // Room for every buffer and a marker, so putting a marker never blocks.
        BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
        byte[] header = (Constants.TYPE_BLOB + " " + length + "\0").getBytes(StandardCharsets.US_ASCII);
        // The zlib checksum is computed on this thread, the SHA-1 on the worker: that splits the CPU work
        // of an upload about evenly between the two (reading the socket costs about as much as adler32).
        Adler32 adler = new Adler32();
        adler.update(header);
        Writer writer = new Writer(ch, header, length, full, free, workers);
        Future<ObjectId> result = workers.submit(writer);
        boolean ended = false;
        try {
            long total = 0;
            while (total < length) {
                byte[] buf = free.take();
                if (writer.failed) {
                    break; // the worker's error is reported below
                }
                int want = (int) Math.min(buf.length, length - total);
                int n = in.readNBytes(buf, 0, want);
                total += n;
                if (n > 0) {
                    adler.update(buf, 0, n);
                    full.add(new Chunk(buf, n));
                }
                if (n < want) {
                    throw new EOFException("expected " + length + " bytes, the body ended after " + total);
                }
            }
            writer.adler = (int) adler.getValue();
            full.add(END); // publishes adler to the worker (the queue is the happens-before edge)
            ended = true;
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while storing a blob");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } finally {
            if (!ended) {
                full.add(ABORT);
                Latches.awaitEnd(result); // the channel is closed after this returns: the worker must be done
            }
        }
    }

    /** The worker: hashes, frames and writes the chunks the reader hands over, in order. */
    private static final class Writer implements Callable<ObjectId> {
        private final ExecutorService workers;
        private final FileChannel ch;
        private final BlockingQueue<Chunk> full;
        private final BlockingQueue<byte[]> free;
        private final MessageDigest sha1;
        /** The zlib checksum of header and content, set by the reader before it sends {@link #END}. */
        int adler;
        /** Uncompressed bytes (header and content) not yet framed. */
        private long left;
        /** Bytes still to come in the current stored block. */
        private int blockLeft;
        private long written;
        private long syncedUpTo;
        private Future<?> sync;
        volatile boolean failed;
        private final List<ByteBuffer> out = new ArrayList<>();

        public Writer(FileChannel ch, byte[] header, long length, BlockingQueue<Chunk> full, BlockingQueue<byte[]> free,
                      ExecutorService workers) {
            this.workers = workers;
            this.ch = ch;
            this.full = full;
            this.free = free;
            try {
                this.sha1 = MessageDigest.getInstance("SHA-1");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
            this.left = header.length + length;
            sha1.update(header);
            out.add(ByteBuffer.wrap(new byte[] {0x78, 0x01})); // zlib: deflate, 32 KiB window, no dictionary
            frame(header, 0, header.length);
        }

        @Override
        public ObjectId call() throws Exception {
            Chunk c = null;
            try {
                while (true) {
                    c = full.take();
                    if (c == END) {
                        break;
                    }
                    if (c == ABORT) {
                        return null;
                    }
                    sha1.update(c.buf, 0, c.n);
                    frame(c.buf, 0, c.n);
                    flush();
                    free.add(c.buf);
                    c = null;
                    syncInBackground();
                }
                if (left != 0 || blockLeft != 0) {
                    throw new IOException("blob stream ended " + left + " bytes short");
                }
                int a = adler;
                out.add(ByteBuffer.wrap(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a}));
                flush();
                return ObjectId.fromRaw(sha1.digest());
            } catch (Exception | Error e) {
                failed = true;
                out.clear();
                if (c != null && c.buf != null) {
                    free.add(c.buf);
                }
                if (c != END && c != ABORT) {
                    drain();
                }
                throw e;
            } finally {
                awaitSync();
            }
        }

        /** After a failure: hands buffers back until the reader gives up, so it never waits forever. */
        private void drain() throws InterruptedException {
            while (true) {
                Chunk c = full.take();
                if (c == END || c == ABORT) {
                    return;
                }
                free.add(c.buf);
            }
        }

        /** Appends {@code data} to the pending output as stored blocks (a 5-byte header per block). */
        private void frame(byte[] data, int off, int len) {
            while (len > 0) {
                if (blockLeft == 0) {
                    int block = (int) Math.min(MAX_BLOCK, left);
                    boolean last = block == left;
                    out.add(ByteBuffer.wrap(new byte[] {(byte) (last ? 1 : 0),
                            (byte) block, (byte) (block >>> 8), (byte) ~block, (byte) (~block >>> 8)}));
                    blockLeft = block;
                }
                int k = Math.min(len, blockLeft);
                out.add(ByteBuffer.wrap(data, off, k));
                blockLeft -= k;
                left -= k;
                off += k;
                len -= k;
            }
        }

        private void flush() throws IOException {
            ByteBuffer[] bufs = out.toArray(new ByteBuffer[0]);
            out.clear();
            long remaining = 0;
            for (ByteBuffer b : bufs) {
                remaining += b.remaining();
            }
            while (remaining > 0) {
                long n = ch.write(bufs);
                remaining -= n;
                written += n;
            }
        }

        /** Starts an fdatasync of what is written so far when enough is new and none is running. */
        private void syncInBackground() {
            if (written - syncedUpTo < SYNC_EVERY || (sync != null && !sync.isDone())) {
                return;
            }
            syncedUpTo = written;
            sync = workers.submit(() -> {
                ch.force(false);
                return null;
            });
        }

        private void awaitSync() {
            if (sync != null) {
                Latches.awaitEnd(sync); // a failed background flush is repeated by the final fsync
            }
        }
    }

    /**
     * The upload's id is already stored: it must be the same content, or the two are a SHA-1 collision
     * and the upload is refused (the stored object is never replaced). A loose object this class wrote has
     * the same bytes on disk as the upload's temporary file, which is the quick check.
     */
    private static void requireSameContent(Repository repo, Path objects, ObjectId id, Path tmp) throws IOException {
        Path existing = LooseObject.path(objects, id);
        try {
            if (Files.mismatch(existing, tmp) == -1) {
                return;
            }
        } catch (NoSuchFileException e) {
            // packed (or moved into a pack meanwhile): compare the contents
        }
        try (ObjectReader reader = repo.newObjectReader();
             InputStream stored = openStored(reader, objects, id);
             InputStream mine = openLooseFile(tmp, id)) {
            if (mine == null) {
                throw new IOException("temporary object of " + id.name() + " does not read back");
            }
            byte[] a = new byte[BUFFER_SIZE];
            byte[] b = new byte[BUFFER_SIZE];
            while (true) {
                int n = stored.readNBytes(a, 0, a.length);
                int m = mine.readNBytes(b, 0, n == 0 ? 1 : n);
                if (n != m || !Arrays.equals(a, 0, n, b, 0, m)) {
                    throw new IOException("SHA-1 collision: the upload hashes to " + id.name()
                            + " like a stored object of different content (refused)");
                }
                if (n == 0) {
                    return;
                }
            }
        }
    }

    private static InputStream openStored(ObjectReader reader, Path objects, ObjectId id) throws IOException {
        InputStream loose = openLooseFile(LooseObject.path(objects, id), id);
        if (loose != null) {
            return loose;
        }
        ObjectLoader loader = reader.open(id);
        if (loader.getType() != Constants.OBJ_BLOB) {
            throw new IOException("SHA-1 collision: the upload hashes to " + id.name() + ", a stored "
                    + Constants.typeString(loader.getType()) + " (refused)");
        }
        return loader.openStream();
    }

    /**
     * The content of blob {@code id} when it is stored as a loose object under {@code objectsDir}, or null
     * when it is not (packed, missing, or in a format this does not read; JGit reads those). An object
     * {@link #insert} wrote is read straight from the file ({@link StoredBlobStream}); any other loose
     * object is inflated with {@value #BUFFER_SIZE}-byte reads of the file and one inflate call per read of
     * the caller (JGit's own stream of a loose object inflates in 512-byte steps, a JNI call each, and
     * loads objects under its streamFileThreshold, 50 MiB, into memory whole). A reader of the whole
     * content has the zlib checksum verified before the read that returns the last bytes completes; a
     * damaged object fails that read.
     */
    public static InputStream openLoose(Path objectsDir, ObjectId id) throws IOException {
        return openLooseFile(LooseObject.path(objectsDir, id), id);
    }

    /**
     * Sends {@code length} bytes of blob {@code id}'s content from offset {@code start} to {@code out} straight
     * from its loose file, when that file is in the stored layout {@link #insert} writes: the bytes on disk are
     * the bytes on the wire, 5-byte block headers apart. Each read of the file is one scattering read that puts
     * the blocks' payloads back to back into a direct buffer of {@code reads} and their headers aside (checked),
     * and each buffer is one write to {@code out}, while the next is read on a worker thread
     * ({@link LargeBlobReads#send}): no inflater, no copy through the heap, one write per 4 MiB.
     * A send of the whole content checks the zlib checksum before its last bytes go out, unless this process
     * already checked (or wrote) this file ({@link LargeBlobReads}). False (nothing sent) when there is no such
     * file, it is in another layout, or every buffer is in use ({@link LargeBlobReads#MAX_BUFFERS}).
     */
    public static boolean sendLoose(Path objectsDir, ObjectId id, long start, long length,
                                    java.nio.channels.WritableByteChannel out, LargeBlobReads reads) throws IOException {
        Path path = LooseObject.path(objectsDir, id);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        try (ch) {
            StoredBlobStream s = StoredBlobStream.open(ch, id);
            if (s == null) {
                return false;
            }
            // The attributes of the path, read after the file was opened: a file replaced in between would hold
            // the same object (its name is its id), and only a check of it since would make it count as checked.
            java.nio.file.attribute.BasicFileAttributes attributes = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
            boolean check = start == 0 && length >= s.size() && !reads.isChecked(path, 0, attributes);
            s.skip(start);
            s.startParts(length, check);
            if (!reads.send(s::next, out)) {
                return false; // every buffer in use: the caller streams it
            }
            if (check) {
                reads.checked(path, 0, attributes);
            }
            return true;
        }
    }

    private static InputStream openLooseFile(Path path, ObjectId id) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
        boolean ok = false;
        try {
            InputStream s = StoredBlobStream.open(ch, id);
            if (s == null) {
                LooseBlobStream z = new LooseBlobStream(Channels.newInputStream(ch), id);
                s = z.readHeader() ? z : null;
            }
            ok = s != null;
            return s;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /**
     * The content of a loose blob in the layout {@link #insert} writes (only stored blocks, each of
     * {@value #MAX_BLOCK} bytes but the last), read straight from the file: no inflater, one positional
     * read per block, and a skip is a seek (a range of a large file costs what it sends). Every block header
     * is checked on the way; a reader of the whole content also gets the zlib checksum checked before the
     * read that returns the last bytes completes.
     */
    private static final class StoredBlobStream extends InputStream {
        private static final int BLOCK_SPAN = MAX_BLOCK + 5;
        private final FileChannel ch;
        private final ObjectId id;
        /** Length of "blob <size>\0". */
        private final int headerLength;
        /** Header and content: the bytes the stored blocks hold. */
        private final long total;
        /** Offset of the next byte to read in the uncompressed stream (header included). */
        private long at;
        private final Adler32 adler = new Adler32();
        /** False once a skip made the checksum uncomputable. */
        private boolean checksummed = true;
        private final ByteBuffer blockHeader = ByteBuffer.allocate(5);

        private StoredBlobStream(FileChannel ch, ObjectId id, int headerLength, long total, byte[] header) {
            this.ch = ch;
            this.id = id;
            this.headerLength = headerLength;
            this.total = total;
            this.at = headerLength;
            adler.update(header, 0, headerLength);
        }

        /** The stream, or null when the file is not in this layout (read it by inflating). */
        public static StoredBlobStream open(FileChannel ch, ObjectId id) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(2 + 5 + 32);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // positional reads until full or end of file
            }
            byte[] a = b.array();
            int got = b.position();
            if (got < 2 + 5 + 8 || a[0] != 0x78 || a[1] != 0x01 || (a[2] & 0x06) != 0) {
                return null; // not a zlib stream starting with a stored block
            }
            int len = (a[3] & 0xff) | (a[4] & 0xff) << 8;
            int nlen = (a[5] & 0xff) | (a[6] & 0xff) << 8;
            if ((len ^ nlen) != 0xffff) {
                return null;
            }
            int nul = -1;
            for (int i = 7; i < got; i++) {
                if (a[i] == 0) {
                    nul = i;
                    break;
                }
            }
            String prefix = Constants.TYPE_BLOB + " ";
            if (nul < 0 || !new String(a, 7, nul - 7, StandardCharsets.US_ASCII).startsWith(prefix)) {
                return null;
            }
            long size;
            try {
                size = Long.parseLong(new String(a, 7 + prefix.length(), nul - 7 - prefix.length(), StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return null;
            }
            int headerLength = nul - 7 + 1;
            long total = headerLength + size;
            long blocks = (total + MAX_BLOCK - 1) / MAX_BLOCK;
            boolean firstIsLast = blocks == 1;
            if (size < 0 || len != Math.min(MAX_BLOCK, total) || ((a[2] & 1) == 1) != firstIsLast
                    || ch.size() != 2 + total + 5 * blocks + 4) {
                return null;
            }
            return new StoredBlobStream(ch, id, headerLength, total, Arrays.copyOfRange(a, 7, nul + 1));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (at == total) {
                return -1;
            }
            int done = 0;
            while (done < len && at < total) {
                long block = at / MAX_BLOCK;
                int within = (int) (at % MAX_BLOCK);
                long blockStart = 2 + block * BLOCK_SPAN;
                if (within == 0) {
                    checkBlockHeader(block, blockStart);
                }
                int n = (int) Math.min(len - done, Math.min(MAX_BLOCK - within, total - at));
                ByteBuffer dst = ByteBuffer.wrap(b, off + done, n);
                long pos = blockStart + 5 + within;
                while (dst.hasRemaining()) {
                    int r = ch.read(dst, pos);
                    if (r < 0) {
                        throw new CorruptObjectException(id, "loose object is truncated");
                    }
                    pos += r;
                }
                if (checksummed) {
                    adler.update(b, off + done, n);
                }
                at += n;
                done += n;
            }
            if (at == total && checksummed) {
                checkTrailer();
            }
            return done;
        }

        /** Content bytes (header excluded). */
        long size() {
            return total - headerLength;
        }

        /** Where the content {@link #next} reads ends, and whether it checks the zlib checksum on the way. */
        private long end;
        private boolean checking;

        /**
         * Prepares {@link #next} to read the next {@code length} content bytes; with {@code checkSum} (only from
         * the start of the content) the zlib checksum is checked before the part that completes them is returned.
         */
        void startParts(long length, boolean checkSum) throws IOException {
            end = Math.min(total, at + length);
            checking = checkSum && checksummed;
            long within = at % MAX_BLOCK;
            ch.position(2 + (at / MAX_BLOCK) * BLOCK_SPAN + (within == 0 ? 0 : 5 + within));
        }

        /**
         * The next part (see {@link #startParts}): one scattering read puts the payloads of the blocks it spans
         * back to back at the start of {@code buffer} and their headers at its end, where they are checked. The
         * content read, as a slice of {@code buffer}, or null at the end.
         */
        ByteBuffer next(ByteBuffer buffer) throws IOException {
            if (at >= end) {
                return null;
            }
            // A read of `room` content bytes passes at most room / MAX_BLOCK + 2 block headers.
            int maxHeaders = buffer.capacity() / MAX_BLOCK + 2;
            int room = buffer.capacity() - 5 * maxHeaders;
            ByteBuffer[] parts = new ByteBuffer[2 * maxHeaders]; // a payload per block touched, and its header
            long[] headerBlocks = new long[maxHeaders];
            int np = 0;
            int headers = 0;
            int filled = 0;
            long p = at;
            while (p < end && filled < room) {
                int w = (int) (p % MAX_BLOCK);
                if (w == 0) {
                    parts[np++] = buffer.slice(room + 5 * headers, 5);
                    headerBlocks[headers++] = p / MAX_BLOCK;
                }
                int n = (int) Math.min(Math.min(MAX_BLOCK - w, end - p), room - filled);
                parts[np++] = buffer.slice(filled, n);
                filled += n;
                p += n;
            }
            for (int first = 0; first < np; ) {
                if (ch.read(parts, first, np - first) < 0) {
                    throw new CorruptObjectException(id, "loose object is truncated");
                }
                while (first < np && !parts[first].hasRemaining()) {
                    first++;
                }
            }
            for (int i = 0; i < headers; i++) {
                checkBlockHeader(headerBlocks[i], buffer, room + 5 * i);
            }
            ByteBuffer content = buffer.slice(0, filled);
            if (checking) {
                adler.update(content.duplicate());
            }
            at = p;
            if (at == total && checking) {
                checkTrailer(); // before the last bytes leave: a damaged object never arrives whole
            }
            return content;
        }

        /** The header of {@code block} as read into {@code b} at {@code off}. */
        private void checkBlockHeader(long block, ByteBuffer b, int off) throws IOException {
            checkBlockHeader(block, b.get(off), (b.get(off + 1) & 0xff) | (b.get(off + 2) & 0xff) << 8,
                    (b.get(off + 3) & 0xff) | (b.get(off + 4) & 0xff) << 8);
        }

        private void checkBlockHeader(long block, byte type, int len, int nlen) throws IOException {
            int expect = (int) Math.min(MAX_BLOCK, total - block * MAX_BLOCK);
            boolean last = (block + 1) * MAX_BLOCK >= total;
            if (type != (last ? 1 : 0) || len != expect || (len ^ nlen) != 0xffff) {
                throw new CorruptObjectException(id, "loose object is damaged (block " + block + ")");
            }
        }

        private void checkBlockHeader(long block, long blockStart) throws IOException {
            blockHeader.clear();
            while (blockHeader.hasRemaining()) {
                if (ch.read(blockHeader, blockStart + blockHeader.position()) < 0) {
                    throw new CorruptObjectException(id, "loose object is truncated");
                }
            }
            checkBlockHeader(block, blockHeader, 0);
        }

        private void checkTrailer() throws IOException {
            ByteBuffer t = ByteBuffer.allocate(4);
            long pos = ch.size() - 4;
            while (t.hasRemaining()) {
                if (ch.read(t, pos + t.position()) < 0) {
                    throw new CorruptObjectException(id, "loose object is truncated");
                }
            }
            if (t.getInt(0) != (int) adler.getValue()) {
                throw new CorruptObjectException(id, "loose object is damaged (zlib checksum)");
            }
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, total - at));
            if (k > 0) {
                at += k;
                checksummed = false; // a part was not read: only the block headers are checked from here
            }
            return k;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** The content of any other loose blob: inflates the file, checks its header, size and zlib checksum. */
    private static final class LooseBlobStream extends InputStream {
        private final InputStream file;
        private final ObjectId id;
        private final Inflater inflater = new Inflater();
        private final byte[] in = new byte[BUFFER_SIZE];
        private long left;
        private boolean closed;

        public LooseBlobStream(InputStream file, ObjectId id) {
            this.file = file;
            this.id = id;
        }

        /** Reads {@code "blob <size>\0"}; false when the file is not a zlib-deflated blob. */
        public boolean readHeader() throws IOException {
            int n = file.readNBytes(in, 0, 2);
            if (n < 2 || (in[0] & 0x8f) != 0x08 || (((in[0] & 0xff) << 8) | (in[1] & 0xff)) % 31 != 0) {
                return false; // not a standard loose object (JGit also reads git's ancient format)
            }
            inflater.setInput(in, 0, 2);
            byte[] header = new byte[32];
            int len = 0;
            while (true) {
                if (len == header.length || inflateSome(header, len, 1) < 0) {
                    return false;
                }
                if (header[len++] == 0) {
                    break;
                }
            }
            String h = new String(header, 0, len - 1, StandardCharsets.US_ASCII);
            if (!h.startsWith(Constants.TYPE_BLOB + " ")) {
                return false;
            }
            try {
                left = Long.parseLong(h.substring(Constants.TYPE_BLOB.length() + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            return left >= 0;
        }

        /** Inflates at most {@code len} bytes (at least one unless the stream ends: -1). */
        private int inflateSome(byte[] b, int off, int len) throws IOException {
            try {
                while (true) {
                    int n = inflater.inflate(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                    if (inflater.finished() || inflater.needsDictionary()) {
                        return -1;
                    }
                    if (inflater.needsInput()) {
                        int r = file.read(in);
                        if (r < 0) {
                            throw new CorruptObjectException(id, "loose object is truncated");
                        }
                        inflater.setInput(in, 0, r);
                    }
                }
            } catch (DataFormatException e) {
                throw new CorruptObjectException(id, "loose object is damaged: " + e.getMessage());
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                verifyEnd();
                return -1;
            }
            int n = inflateSome(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new CorruptObjectException(id, "loose object is shorter than its header says");
            }
            left -= n;
            if (left == 0) {
                verifyEnd(); // before the last bytes are handed out: a reader of exactly the size sees it too
            }
            return n;
        }

        /** The deflate stream must end right after the content, with a correct checksum. */
        private void verifyEnd() throws IOException {
            if (inflater.finished()) {
                return;
            }
            byte[] extra = new byte[1];
            if (inflateSome(extra, 0, 1) >= 0 || !inflater.finished()) {
                throw new CorruptObjectException(id, "loose object is longer than its header says");
            }
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] scratch = new byte[(int) Math.min(Math.max(n, 0), 64 * 1024)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                inflater.end();
                file.close();
            }
        }
    }
}
