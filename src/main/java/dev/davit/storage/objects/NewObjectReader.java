package dev.davit.storage.objects;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;

/**
 * Reads the objects of writes not yet on disk, from memory: what JGit's {@code PackWriter} reads when the
 * disk writer packs them (its delta search and its writing ask a reader for each object's bytes).
 */
public final class NewObjectReader extends ObjectReader {
    private final Map<ObjectId, NewObject> objects;

    public NewObjectReader(Map<ObjectId, NewObject> objects) {
        this.objects = objects;
    }

    @Override
    public ObjectReader newReader() {
        return new NewObjectReader(objects);
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
    public void close() {
    }
}
