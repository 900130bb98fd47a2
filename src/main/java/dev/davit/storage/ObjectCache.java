package dev.davit.storage;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;

/**
 * Recently used trees and commits of one repository, by id, bounded in bytes (least recently used go
 * first). JGit caches pack data but not loose objects, and every request reads the head commit and the
 * trees on its path, each a file to open and inflate; a write then reads the same ones again. Objects are
 * immutable by id, so an entry is never stale. Commits a write makes go in as they are written, so the
 * next request finds them here. Thread-safe.
 */
final class ObjectCache {
    /** Objects larger than this are not kept (a folder of ~100,000 files). */
    private static final int MAX_OBJECT = 4 << 20;

    private record Cached(int type, byte[] bytes) {
    }

    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<ObjectId, Cached> entries = new LinkedHashMap<>(256, 0.75f, true);

    ObjectCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized void put(AnyObjectId id, int type, byte[] raw) {
        if ((type != Constants.OBJ_TREE && type != Constants.OBJ_COMMIT) || raw.length > MAX_OBJECT) {
            return;
        }
        Cached old = entries.put(id.copy(), new Cached(type, raw));
        if (old != null) {
            bytes -= old.bytes().length;
        }
        bytes += raw.length;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<ObjectId, Cached> eldest = it.next();
            bytes -= eldest.getValue().bytes().length;
            it.remove();
        }
    }

    private synchronized Cached get(AnyObjectId id) {
        return entries.get(id);
    }

    /** {@code reader}, with trees and commits served from and added to this cache. */
    ObjectReader wrap(ObjectReader reader) {
        return new Reader(reader);
    }

    private final class Reader extends ObjectReader.Filter {
        private final ObjectReader delegate;

        Reader(ObjectReader delegate) {
            this.delegate = delegate;
        }

        @Override
        protected ObjectReader delegate() {
            return delegate;
        }

        @Override
        public ObjectReader newReader() {
            return new Reader(delegate.newReader());
        }

        @Override
        public ObjectLoader open(AnyObjectId id) throws MissingObjectException, IOException {
            return open(id, OBJ_ANY); // Filter would hand the one-argument form to the delegate directly
        }

        @Override
        public ObjectLoader open(AnyObjectId id, int typeHint)
                throws MissingObjectException, IncorrectObjectTypeException, IOException {
            if (typeHint == Constants.OBJ_TREE || typeHint == Constants.OBJ_COMMIT || typeHint == OBJ_ANY) {
                Cached c = get(id);
                if (c != null) {
                    if (typeHint != OBJ_ANY && typeHint != c.type()) {
                        throw new IncorrectObjectTypeException(id.copy(), typeHint);
                    }
                    return new ObjectLoader.SmallObject(c.type(), c.bytes());
                }
            }
            ObjectLoader loader = delegate.open(id, typeHint);
            int type = loader.getType();
            if ((type == Constants.OBJ_TREE || type == Constants.OBJ_COMMIT) && !loader.isLarge()) {
                byte[] raw = loader.getCachedBytes();
                put(id, type, raw);
                return new ObjectLoader.SmallObject(type, raw);
            }
            return loader;
        }

        @Override
        public boolean has(AnyObjectId id) throws IOException {
            return get(id) != null || delegate.has(id);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
