package dev.davit.storage.objects;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.transport.PackParser;

/**
 * The object inserter of one batch of commits. Objects are made in memory only: {@link ObjectCache#pin
 * pinned} so that the next mutation of the batch reads them, and collected for the batch's
 * {@link CommitLog} record, which is the only thing written before the writes are acknowledged. An object
 * is left out only when it is durable already: in the repository on disk, or in a logged batch (the
 * {@code durable} check). An object that merely sits in the memory cache is not durable, and is recorded.
 * Single-threaded, like the batch.
 */
public final class BatchInserter extends ObjectInserter {
    /** Whether an object is durable already (on disk or in the log). */
    public interface Durable {
        boolean has(ObjectId id) throws IOException;
    }

    private final ObjectReader reader;
    private final Durable durable;
    private final ObjectCache cache;
    private final List<NewObject> objects = new ArrayList<>();
    private final Set<ObjectId> seen = new HashSet<>();
    private boolean handedOver;

    public BatchInserter(ObjectReader reader, Durable durable, ObjectCache cache) {
        this.reader = reader;
        this.durable = durable;
        this.cache = cache;
    }

    @Override
    public ObjectId insert(int type, byte[] data, int off, int len) throws IOException {
        return insert(type, data, off, len, ObjectIds.of(type, data, off, len), null);
    }

    /**
     * A new version of a tree, {@code previous} being the version it replaces (null: a new folder) and
     * {@code previousBytes} its bytes, which the write that rewrote it holds already (null: not at hand, no
     * delta then). The record
     * holds it as a delta of that version ({@link NewObject#delta}) when that is less than half of it, and the
     * disk writer stores the two as deltas of each other ({@link NewObject#previous}). The version replaced
     * stays reachable until this record is applied (it is in the tree of the commit this one follows): recovery
     * finds it in an earlier record or in the repository.
     */
    public ObjectId insertTree(byte[] data, ObjectId previous, byte[] previousBytes) throws IOException {
        ObjectId id = ObjectIds.of(Constants.OBJ_TREE, data, 0, data.length);
        if (previous == null || previousBytes == null || seen.contains(id)) {
            return insert(Constants.OBJ_TREE, data, 0, data.length, id, previous);
        }
        byte[] delta = KnownDeltas.delta(previousBytes, data);
        if (delta.length >= data.length / 2) {
            return insert(Constants.OBJ_TREE, data, 0, data.length, id, previous);
        }
        add(new NewObject(id, Constants.OBJ_TREE, data, previous, delta));
        return id;
    }

    private ObjectId insert(int type, byte[] data, int off, int len, ObjectId id, ObjectId previous) throws IOException {
        // Only a blob is looked for on disk: the trees and the commit a write makes are new all but never (a
        // tree is stored already only when a write puts a folder back as it once was), and a copy of one in
        // the record costs a few bytes where asking every pack (dozens between merges) for each cost ~8% of a
        // PUT's thread (JFR, 9,000 sequential PUTs). The applier leaves out what a pack holds by then.
        if (seen.contains(id) || type == Constants.OBJ_BLOB && durable.has(id)) {
            // Known id: the bytes must be the same (ObjectIds: the hash detects no collisions itself).
            ObjectIds.requireSame(id, reader.open(id, type).getCachedBytes(Integer.MAX_VALUE), data, off, len);
            return id;
        }
        add(NewObject.of(id, type, data, off, len, previous));
        return id;
    }

    /** Takes an object made before the batch (a blob uploaded by the write) into the batch's record. */
    public void adopt(NewObject o) {
        if (!seen.contains(o.id())) {
            add(o);
        }
    }

    public boolean contains(ObjectId id) {
        return seen.contains(id);
    }

    private void add(NewObject o) {
        cache.pin(o.id(), o.type(), o.bytes());
        cache.put(o.id(), o.type(), o.bytes()); // the next request reads it from memory
        objects.add(o);
        seen.add(o.id());
    }

    /** The objects of the batch, for its record; from now on the {@link DiskApplier} holds their pins. */
    public List<NewObject> handOver() {
        handedOver = true;
        return objects;
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
        // Nothing buffered: the batch's record in the commit log is the commit point.
    }

    @Override
    public void close() {
        if (!handedOver) {
            for (NewObject o : objects) {
                cache.unpin(o.id()); // the batch was never logged: nothing refers to these
            }
        }
        reader.close();
    }
}
