package dev.davit.storage.objects;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jgit.lib.ObjectId;

/**
 * What the sends of large blobs ({@link LargeBlobs#sendLoose}, {@link PackedBlobs#send}) share between
 * requests: the direct buffers they read the file into and the threads that read ahead ({@link #send}), the
 * objects whose zlib checksum this process has checked, and packed blobs' stored-block checkpoints. One for all
 * repositories, owned by their owner.
 *
 * <p><b>Integrity when serving without inflating.</b> A send of a loose object checks, on every read, the file's
 * length and every stored-block header it passes (type, LEN/NLEN, the final-block flag where the size says it
 * must be): a truncated, extended or reframed file fails. The zlib Adler-32 of the whole content is the only
 * check of the payload bytes, and it costs ~0.3 s of a core per GiB (the JDK 17 has no x86 intrinsic for it):
 * about as much as all the rest of a 1 GiB GET. So it is checked once per object and process, remembered by
 * the file's identity (inode, size, modification time; for a packed object, its pack's and its offset in it):
 * by the first whole send of the object since the server started (before its last bytes leave, so a damaged
 * object never arrives whole), or by the upload that wrote the loose file ({@link #written}): its trailer is
 * the checksum of the very buffers written, and reading them back from the page cache would compare them with
 * themselves. A file replaced or rewritten (another inode, size or time) is checked again. What this gives up
 * is catching a file that rots on disk while the server that checked it keeps running; the next start checks
 * it again, as does {@code git fsck}. A range never checks the checksum (it cannot). The object id (SHA-1 of
 * the content) is not recomputed by any read, as git and JGit do not recompute it on reads either (fsck does).
 */
public final class LargeBlobReads {
    /**
     * Bytes per read of the file and write to the channel. A write is a trip through the HTTP server's
     * output and a system call, and between two writes the client may drain the socket and go to sleep (waking
     * it is the costliest part of the kernel's work): 4 MiB makes 256 of them per GiB instead of the 16,384 one
     * per stored block would be. Measured on warm 1 GiB GETs in turns, request thread CPU per GET: 64 KiB
     * mapped slices 560-870 ms, 1 MiB reads 420-500 ms, 4 MiB 400-440 ms, 16 MiB no better.
     */
    static final int BUFFER_SIZE = 4 << 20;
    /**
     * Buffers that may exist at once (64 MiB of direct memory; the heap is 256 MiB in the benchmark, and the JDK's
     * direct memory is limited to as much). A send that finds none free is not made: its caller streams the
     * object instead (slower, through the heap), so many slow clients never exhaust direct memory.
     */
    static final int MAX_BUFFERS = 16;
    /** Object files remembered as checked; when full, all are forgotten (a forgotten one is checked again). */
    private static final int MAX_CHECKED = 10_000;

    /** Threads that read ahead of a send's writes (the upload threads, owned by the repositories' owner). */
    private final ExecutorService workers;
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(MAX_BUFFERS);
    /** Buffers allocated and not dropped: free ones and those in use. */
    private final AtomicInteger made = new AtomicInteger();
    private final ConcurrentHashMap<Key, Identity> checked = new ConcurrentHashMap<>();

    /** Packed entries' stored-block checkpoints ({@link PackedBlobs}); when full, all are forgotten. */
    private final ConcurrentHashMap<Key, StoredBlockIndex> indexes = new ConcurrentHashMap<>();
    private static final int MAX_INDEXES = 256;

    /** An object's zlib stream: a loose file (offset 0) or an entry of a pack file. */
    private record Key(Path file, long offset) {
    }

    /** @param workers the threads that read ahead of sends' writes ({@link LargeBlobs#newWorkers}) */
    public LargeBlobReads(ExecutorService workers) {
        this.workers = workers;
    }

    /** What tells one file at a path from another: a rewrite in place changes the size or the time. */
    record Identity(Object fileKey, long size, FileTime modified) {
        static Identity of(BasicFileAttributes a) {
            return new Identity(a.fileKey(), a.size(), a.lastModifiedTime());
        }
    }

    /**
     * A direct buffer of {@link #BUFFER_SIZE} bytes, cleared, or null when {@link #MAX_BUFFERS} are in use; hand it
     * back with {@link #giveBack} after a complete send, {@link #drop} it after a failed one.
     */
    ByteBuffer takeBuffer() {
        ByteBuffer b = free.poll();
        while (b == null) {
            int m = made.get();
            if (m >= MAX_BUFFERS) {
                return free.poll(); // one given back meanwhile, or none
            }
            if (made.compareAndSet(m, m + 1)) {
                b = ByteBuffer.allocateDirect(BUFFER_SIZE);
            }
        }
        return b;
    }

    void giveBack(ByteBuffer b) {
        b.clear();
        free.offer(b);
    }

    /** Forgets a buffer that a failed write may still hold (the garbage collector frees it); another may be made. */
    void drop(ByteBuffer b) {
        made.decrementAndGet();
    }

    /** The parts of a send, read (and checked) from the object's file. */
    @FunctionalInterface
    interface Source {
        /**
         * Reads the next part into {@code buffer} (cleared), checking what can be checked: the slice of it to
         * write, or null when everything was read. The part that completes a checked content is returned only
         * once the checksum is found right.
         */
        ByteBuffer next(ByteBuffer buffer) throws IOException;
    }

    /**
     * Writes every part of {@code source} to {@code out}. With two buffers free, a worker thread reads (and
     * checks) the next part while this thread writes the last one: the file's read and the checksum on one core,
     * the socket's write on the other, as uploads split theirs (a 1 GiB GET's thread spent ~40% of its CPU
     * copying the file into the buffer). With one buffer, it reads and writes in turns. False, with nothing read
     * or written, when no buffer is free.
     */
    boolean send(Source source, WritableByteChannel out) throws IOException {
        ByteBuffer a = takeBuffer();
        if (a == null) {
            return false;
        }
        ByteBuffer b = takeBuffer();
        if (b == null) {
            inTurns(source, out, a);
        } else {
            readingAhead(source, out, a, b);
        }
        return true;
    }

    private void inTurns(Source source, WritableByteChannel out, ByteBuffer a) throws IOException {
        boolean done = false;
        try {
            for (ByteBuffer part; (part = source.next(a.clear())) != null; ) {
                while (part.hasRemaining()) {
                    out.write(part);
                }
            }
            done = true;
        } finally {
            if (done) {
                giveBack(a);
            } else {
                drop(a); // a failed write may still hold it
            }
        }
    }

    /** A part read ahead: the buffer and the slice of it to write. */
    private record Part(ByteBuffer buffer, ByteBuffer content) {
    }

    private static final Part END = new Part(null, null);

    private void readingAhead(Source source, WritableByteChannel out, ByteBuffer a, ByteBuffer b) throws IOException {
        BlockingQueue<ByteBuffer> empty = new ArrayBlockingQueue<>(2, false, java.util.List.of(a, b));
        BlockingQueue<Object> ready = new ArrayBlockingQueue<>(3); // two parts and the end (or an error)
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        try {
            workers.execute(() -> {
                try {
                    while (true) {
                        ByteBuffer buf = empty.take();
                        if (stop.get()) {
                            break;
                        }
                        ByteBuffer part = source.next(buf.clear());
                        ready.add(part == null ? END : new Part(buf, part));
                        if (part == null) {
                            break;
                        }
                    }
                } catch (Throwable t) {
                    ready.offer(t);
                } finally {
                    finished.countDown();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            giveBack(b); // shutting down: no worker
            inTurns(source, out, a);
            return;
        }
        boolean done = false;
        ByteBuffer held = null;
        try {
            while (true) {
                Object o = ready.take();
                if (o == END) {
                    break;
                }
                if (o instanceof Throwable t) {
                    throw rethrow(t);
                }
                Part p = (Part) o;
                held = p.buffer();
                while (p.content().hasRemaining()) {
                    out.write(p.content());
                }
                held = null;
                empty.add(p.buffer());
            }
            done = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sending a large blob");
        } finally {
            if (!done) {
                // The reader stops at its next buffer: it gets one, so it never waits for one forever.
                stop.set(true);
                if (held != null) {
                    empty.offer(held);
                }
                for (Object o; (o = ready.poll()) != null; ) {
                    if (o instanceof Part p && p.buffer() != null) {
                        empty.offer(p.buffer());
                    }
                }
            }
            Latches.awaitUninterruptibly(finished); // the buffers and the file are the reader's until it has stopped
            if (done) {
                giveBack(a);
                giveBack(b);
            } else {
                drop(a); // a failed write may still hold it
                drop(b);
            }
        }
    }

    private static IOException rethrow(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IOException(t);
    }

    /**
     * Whether the zlib checksum of the object at {@code offset} in the file with these attributes (0 for a loose
     * object, the entry's offset in a pack) was checked by this process.
     */
    boolean isChecked(Path file, long offset, BasicFileAttributes attributes) {
        return Identity.of(attributes).equals(checked.get(new Key(file, offset)));
    }

    /** Remembers that the checksum of the object at {@code offset} in the file with these attributes is right. */
    void checked(Path file, long offset, BasicFileAttributes attributes) {
        if (checked.size() >= MAX_CHECKED) {
            checked.clear();
        }
        checked.put(new Key(file, offset), Identity.of(attributes));
    }

    /** The checkpoints known in the stored blocks of the pack entry at {@code offset} of the file with these attributes. */
    StoredBlockIndex storedBlockIndex(Path file, long offset, BasicFileAttributes attributes, long deflateStart) {
        Key key = new Key(file, offset);
        Identity identity = Identity.of(attributes);
        StoredBlockIndex index = indexes.get(key);
        if (index != null && index.identity().equals(identity)) {
            return index;
        }
        if (indexes.size() >= MAX_INDEXES) {
            indexes.clear();
        }
        index = new StoredBlockIndex(identity, deflateStart);
        indexes.put(key, index);
        return index;
    }

    /**
     * Called by {@link LargeBlobs#insert} once the loose file of {@code id} holds exactly the bytes it framed and
     * checksummed (its own file, or an existing one found equal byte for byte); nothing when it is not loose.
     */
    void written(Path objectsDir, ObjectId id) throws IOException {
        Path file = LooseObject.path(objectsDir, id);
        try {
            checked(file, 0, Files.readAttributes(file, BasicFileAttributes.class));
        } catch (NoSuchFileException e) {
            // packed meanwhile: nothing to remember
        }
    }
}
