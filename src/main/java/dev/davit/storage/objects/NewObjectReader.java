package dev.davit.storage.objects;

import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.StoredObjectRepresentationNotAvailableException;
import org.eclipse.jgit.internal.storage.pack.CachedPack;
import org.eclipse.jgit.internal.storage.pack.ObjectReuseAsIs;
import org.eclipse.jgit.internal.storage.pack.ObjectToPack;
import org.eclipse.jgit.internal.storage.pack.PackOutputStream;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.BitmapIndex.BitmapBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.ProgressMonitor;

/**
 * Reads the objects of writes not yet on disk, from memory: what JGit's {@code PackWriter} reads when the
 * disk writer packs them (its delta search and its writing ask a reader for each object's bytes). As an
 * {@link ObjectReuseAsIs}, it offers the writer the deltas known without searching ({@link KnownDeltas}) as
 * stored deltas, which the writer copies into the pack and leaves out of its own delta search.
 */
public final class NewObjectReader extends ObjectReader implements ObjectReuseAsIs {
    private final Map<ObjectId, NewObject> objects;
    private final Map<ObjectId, KnownDeltas.Delta> deltas;

    public NewObjectReader(Map<ObjectId, NewObject> objects) {
        this(objects, Map.of());
    }

    public NewObjectReader(Map<ObjectId, NewObject> objects, Map<ObjectId, KnownDeltas.Delta> deltas) {
        this.objects = objects;
        this.deltas = deltas;
    }

    @Override
    public ObjectReader newReader() {
        return new NewObjectReader(objects, deltas);
    }

    @Override
    public Collection<ObjectId> resolve(AbbreviatedObjectId id) {
        return Collections.emptyList(); // abbreviations are never asked while packing
    }

    @Override
    public ObjectLoader open(AnyObjectId id, int typeHint) throws MissingObjectException, IncorrectObjectTypeException {
        NewObject o = objects.get(id);
        if (o == null) {
            throw new MissingObjectException(id.copy(), typeHint);
        }
        if (typeHint != OBJ_ANY && typeHint != o.type()) {
            throw new IncorrectObjectTypeException(id.copy(), typeHint);
        }
        return new ObjectLoader.SmallObject(o.type(), o.bytes());
    }

    @Override
    public Set<ObjectId> getShallowCommits() {
        return Collections.emptySet();
    }

    @Override
    public ObjectToPack newObjectToPack(AnyObjectId id, int type) {
        return new ObjectToPack(id, type);
    }

    /** A known delta is offered as stored; every other object has no stored form (the writer deflates it). */
    @Override
    public void selectObjectRepresentation(PackWriter packer, ProgressMonitor monitor, Iterable<ObjectToPack> list) {
        for (ObjectToPack otp : list) {
            KnownDeltas.Delta d = deltas.get(otp);
            if (d != null) {
                packer.select(otp, d.representation());
            }
            monitor.update(1);
        }
    }

    @Override
    public void writeObjects(PackOutputStream out, List<ObjectToPack> list) throws IOException {
        for (ObjectToPack otp : list) {
            out.writeObject(otp);
        }
    }

    @Override
    public void copyObjectAsIs(PackOutputStream out, ObjectToPack otp, boolean validate)
            throws IOException, StoredObjectRepresentationNotAvailableException {
        KnownDeltas.Delta d = deltas.get(otp);
        if (d == null || !otp.isDeltaRepresentation() || !d.base().equals(otp.getDeltaBaseId())) {
            throw new StoredObjectRepresentationNotAvailableException(
                    new IOException("no known delta of " + otp.name() + " against its base"));
        }
        out.writeHeader(otp, d.rawLength());
        out.write(d.deflated());
    }

    @Override
    public void copyPackAsIs(PackOutputStream out, CachedPack pack) {
        throw new UnsupportedOperationException("objects of writes are in no pack yet");
    }

    @Override
    public Collection<CachedPack> getCachedPacksAndUpdate(BitmapBuilder needBitmap) {
        return Collections.emptyList();
    }

    @Override
    public void close() {
    }
}
