package dev.davit.storage.objects;

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
 * Recently used trees and commits (and small blobs) of one repository, by id, bounded in bytes (least recently used go
 * first). JGit caches pack data but not loose objects, and every request reads the head commit and the
 * trees on its path, each a file to open and inflate; a write then reads the same ones again. Objects are
 * immutable by id, so an entry is never stale. Commits a write makes go in as they are written, so the
 * next request finds them here. Thread-safe.
 */
public final class ObjectCache {
    /** Objects larger than this are not kept (a folder of ~100,000 files). */
    private static final int MAX_OBJECT = 4 << 20;
    /**
     * Blobs up to this size are kept too, in their own budget so that they never push out the trees
     * a write needs: a small file that is read again and again (a GET of a config file, a PROPFIND's
     * dead properties) is then a map lookup instead of opening and inflating a loose file.
     */
    public static final int MAX_CACHED_BLOB = 64 << 10;

    private record Cached(int type, byte[] bytes) {
    }

    /** One least-recently-used map bounded in bytes. */
    private static final class Lru {
        private final long maxBytes;
        private long bytes;
        private final LinkedHashMap<ObjectId, Cached> entries = new LinkedHashMap<>(256, 0.75f, true);

        public Lru(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        public synchronized void put(AnyObjectId id, Cached c) {
            Cached old = entries.put(id.copy(), c);
            if (old != null) {
                bytes -= old.bytes().length;
            }
            bytes += c.bytes().length;
            var it = entries.entrySet().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                Map.Entry<ObjectId, Cached> eldest = it.next();
                bytes -= eldest.getValue().bytes().length;
                it.remove();
            }
        }

        public synchronized Cached get(AnyObjectId id) {
            return entries.get(id);
        }
    }

    private final Lru trees;
    private final Lru blobs;
    /**
     * Objects made by a write that are not yet files (a batch writes its files together, in parallel, just
     * before the branch moves): served from here, never evicted, until {@link #unpin}.
     */
    private final java.util.concurrent.ConcurrentHashMap<ObjectId, Cached> pinned = new java.util.concurrent.ConcurrentHashMap<>();

    public ObjectCache(long maxBytes) {
        this.trees = new Lru(maxBytes);
        this.blobs = new Lru(maxBytes / 2);
    }

    public void put(AnyObjectId id, int type, byte[] raw) {
        if (type == Constants.OBJ_BLOB) {
            if (raw.length <= MAX_CACHED_BLOB) {
                blobs.put(id, new Cached(type, raw));
            }
        } else if ((type == Constants.OBJ_TREE || type == Constants.OBJ_COMMIT) && raw.length <= MAX_OBJECT) {
            trees.put(id, new Cached(type, raw));
        }
    }

    /** Keeps {@code raw} readable until {@link #unpin}: its file is not written yet. */
    public void pin(AnyObjectId id, int type, byte[] raw) {
        pinned.put(id.copy(), new Cached(type, raw));
    }

    public void unpin(AnyObjectId id) {
        pinned.remove(id);
    }

    /** Pinned objects whose id starts with {@code hexPrefix} (abbreviated ids of commits not yet on disk). */
    public java.util.List<ObjectId> pinnedMatching(String hexPrefix) {
        String p = hexPrefix.toLowerCase(java.util.Locale.ROOT);
        java.util.List<ObjectId> out = new java.util.ArrayList<>();
        for (ObjectId id : pinned.keySet()) {
            if (id.name().startsWith(p)) {
                out.add(id);
            }
        }
        return out;
    }

    private Cached get(AnyObjectId id, int typeHint) {
        Cached p = pinned.isEmpty() ? null : pinned.get(id);
        if (p != null) {
            return p;
        }
        Cached c = typeHint == Constants.OBJ_BLOB ? null : trees.get(id);
        if (c == null && (typeHint == Constants.OBJ_BLOB || typeHint == ObjectReader.OBJ_ANY)) {
            c = blobs.get(id);
        }
        return c;
    }

    /** {@code reader}, with trees and commits served from and added to this cache. */
    public ObjectReader wrap(ObjectReader reader) {
        return new Reader(reader);
    }

    private final class Reader extends ObjectReader.Filter {
        private final ObjectReader delegate;

        public Reader(ObjectReader delegate) {
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
            if (typeHint == Constants.OBJ_TREE || typeHint == Constants.OBJ_COMMIT || typeHint == Constants.OBJ_BLOB
                    || typeHint == OBJ_ANY) {
                Cached c = get(id, typeHint);
                if (c != null) {
                    if (typeHint != OBJ_ANY && typeHint != c.type()) {
                        throw new IncorrectObjectTypeException(id.copy(), typeHint);
                    }
                    return new ObjectLoader.SmallObject(c.type(), c.bytes());
                }
            }
            ObjectLoader loader = delegate.open(id, typeHint);
            int type = loader.getType();
            if ((type == Constants.OBJ_TREE || type == Constants.OBJ_COMMIT) && !loader.isLarge()
                    || type == Constants.OBJ_BLOB && loader.getSize() <= MAX_CACHED_BLOB) {
                byte[] raw = loader.getCachedBytes();
                put(id, type, raw);
                return new ObjectLoader.SmallObject(type, raw);
            }
            return loader;
        }

        @Override
        public long getObjectSize(AnyObjectId id, int typeHint)
                throws MissingObjectException, IncorrectObjectTypeException, IOException {
            Cached c = get(id, typeHint);
            if (c != null && (typeHint == OBJ_ANY || typeHint == c.type())) {
                return c.bytes().length;
            }
            return delegate.getObjectSize(id, typeHint);
        }

        @Override
        public boolean has(AnyObjectId id) throws IOException {
            return get(id, OBJ_ANY) != null || delegate.has(id);
        }

        @Override
        public java.util.Collection<ObjectId> resolve(org.eclipse.jgit.lib.AbbreviatedObjectId id) throws IOException {
            java.util.Set<ObjectId> out = new java.util.HashSet<>(delegate.resolve(id));
            out.addAll(pinnedMatching(id.name())); // commits and blobs of writes not yet on disk
            return out;
        }

        @Override
        public boolean has(AnyObjectId id, int typeHint) throws IOException {
            Cached c = get(id, typeHint);
            if (c != null) {
                return typeHint == OBJ_ANY || typeHint == c.type();
            }
            return delegate.has(id, typeHint);
        }

        // Filter hands the batch forms straight to the delegate, which would miss the pinned objects (those
        // of writes not yet on disk): they are served one by one through open() here, as ObjectReader does.
        @Override
        public <T extends ObjectId> org.eclipse.jgit.lib.AsyncObjectLoaderQueue<T> open(Iterable<T> ids, boolean reportMissing) {
            java.util.Iterator<T> it = ids.iterator();
            return new org.eclipse.jgit.lib.AsyncObjectLoaderQueue<>() {
                private T cur;

                @Override
                public boolean next() {
                    if (it.hasNext()) {
                        cur = it.next();
                        return true;
                    }
                    return false;
                }

                @Override
                public T getCurrent() {
                    return cur;
                }

                @Override
                public ObjectId getObjectId() {
                    return cur;
                }

                @Override
                public ObjectLoader open() throws IOException {
                    return Reader.this.open(cur, OBJ_ANY);
                }

                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    return true;
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public <T extends ObjectId> org.eclipse.jgit.lib.AsyncObjectSizeQueue<T> getObjectSize(Iterable<T> ids, boolean reportMissing) {
            java.util.Iterator<T> it = ids.iterator();
            return new org.eclipse.jgit.lib.AsyncObjectSizeQueue<>() {
                private T cur;
                private long size;

                @Override
                public boolean next() throws IOException {
                    if (it.hasNext()) {
                        cur = it.next();
                        size = Reader.this.getObjectSize(cur, OBJ_ANY);
                        return true;
                    }
                    return false;
                }

                @Override
                public T getCurrent() {
                    return cur;
                }

                @Override
                public ObjectId getObjectId() {
                    return cur;
                }

                @Override
                public long getSize() {
                    return size;
                }

                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    return true;
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
