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
 * The object inserter of one batch of commits: writes each new object as a loose file at once (so the
 * next mutation of the batch reads it like any other) and remembers its bytes for the batch's
 * {@link CommitJournal} record. Objects the repository already has are not written again, so a durable file
 * is never replaced by one that is not yet synced. Single-threaded, like the batch.
 */
final class BatchInserter extends ObjectInserter {
    private final Repository repo;
    private final Path objectsDir;
    private final ObjectReader reader;
    private final List<LooseObject> written = new ArrayList<>();
    private final Set<ObjectId> seen = new HashSet<>();

    private final ObjectCache cache;

    BatchInserter(Repository repo, ObjectReader reader, ObjectCache cache) {
        this.repo = repo;
        this.objectsDir = repo.getDirectory().toPath().resolve("objects");
        this.reader = reader;
        this.cache = cache;
    }

    @Override
    public ObjectId insert(int type, byte[] data, int off, int len) throws IOException {
        ObjectId id = idFor(type, data, off, len);
        if (seen.contains(id) || reader.has(id)) {
            return id;
        }
        LooseObject object = LooseObject.of(id, type, data, off, len);
        object.writeTo(objectsDir);
        cache.put(id, type, java.util.Arrays.copyOfRange(data, off, off + len)); // the next request reads it
        written.add(object);
        seen.add(id);
        return id;
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
        reader.close();
    }
}
