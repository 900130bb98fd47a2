package dev.davit.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PackParser;

/**
 * The object inserter of one batch of commits. Objects are made in memory ({@link ObjectCache#pin pinned},
 * so the next mutation of the batch reads them) and their loose files are written together by
 * {@link #writeFiles}, in parallel, before the batch's journal record and before the branch moves. Creating a
 * file is the slowest step of a small write on these machines (a few hundred microseconds, waiting on the
 * file system's journal, not the CPU), so the files of a batch (blob, trees, commit of each write) are
 * created concurrently instead of one after the other. Objects the repository already has are not written
 * again, so a durable file is never replaced by one that is not yet synced. Single-threaded, like the batch.
 */
final class BatchInserter extends ObjectInserter {
    /** Shared by all repositories: the threads only wait on the file system. */
    private static final java.util.concurrent.ExecutorService FILE_WRITERS = java.util.concurrent.Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "davit-object-writer");
        t.setDaemon(true);
        return t;
    });

    private final Path objectsDir;
    private final ObjectReader reader;
    private final List<LooseObject> written = new ArrayList<>();
    private final List<LooseObject> unwritten = new ArrayList<>();
    private final Set<ObjectId> seen = new HashSet<>();

    private final ObjectCache cache;

    BatchInserter(Repository repo, ObjectReader reader, ObjectCache cache) {
        this.objectsDir = repo.getDirectory().toPath().resolve("objects");
        this.reader = reader;
        this.cache = cache;
    }

    @Override
    public ObjectId insert(int type, byte[] data, int off, int len) throws IOException {
        ObjectId id = ObjectIds.of(type, data, off, len);
        if (seen.contains(id) || reader.has(id)) {
            // Known id: the bytes must be the same (ObjectIds: the hash detects no collisions itself).
            ObjectIds.requireSame(id, reader.open(id, type).getCachedBytes(Integer.MAX_VALUE), data, off, len);
            return id;
        }
        LooseObject object = LooseObject.of(id, type, data, off, len);
        byte[] raw = java.util.Arrays.copyOfRange(data, off, off + len);
        cache.pin(id, type, raw);
        cache.put(id, type, raw); // the next request reads it from memory
        written.add(object);
        unwritten.add(object);
        seen.add(id);
        return id;
    }

    /**
     * Writes the files of the objects made so far and of {@code others} (blobs inserted before the batch),
     * all at once on the writer threads, and returns when every one is in place.
     */
    void writeFiles(List<LooseObject> others) throws IOException {
        List<LooseObject> all = new ArrayList<>(unwritten);
        all.addAll(others);
        unwritten.clear();
        try {
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int i = 1; i < all.size(); i++) {
                LooseObject o = all.get(i);
                running.add(FILE_WRITERS.submit(() -> {
                    o.writeTo(objectsDir);
                    return null;
                }));
            }
            IOException failure = null;
            if (!all.isEmpty()) {
                try {
                    all.get(0).writeTo(objectsDir);
                } catch (IOException e) {
                    failure = e;
                }
            }
            for (java.util.concurrent.Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) {
                        failure = new java.io.InterruptedIOException("interrupted while writing objects");
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            for (LooseObject o : all) {
                cache.unpin(o.id());
            }
        }
    }

    @Override
    public ObjectId insert(int type, long length, InputStream in) throws IOException {
        if (length > Integer.MAX_VALUE - 64) {
            throw new IOException("object of " + length + " bytes inside a commit");
        }
        byte[] data = in.readNBytes((int) length);
        if (data.length != length) {
            throw new IOException("expected " + length + " bytes, got " + data.length);
        }
        return insert(type, data, 0, data.length);
    }

    /** The objects written since the batch began (for the journal record). */
    List<LooseObject> written() {
        return written;
    }

    @Override
    public PackParser newPackParser(InputStream in) {
        throw new UnsupportedOperationException("a commit batch receives no packs");
    }

    @Override
    public ObjectReader newReader() {
        return reader.newReader();
    }

    @Override
    public void flush() {
        // Nothing buffered: every object is a file already; the journal record is the commit point.
    }

    @Override
    public void close() {
        for (LooseObject o : unwritten) {
            cache.unpin(o.id()); // a batch that failed before its files were written: nothing refers to these
        }
        reader.close();
    }
}
