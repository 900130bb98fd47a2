package dev.davit.dav;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.Entry;

/** The entity tag of a resource is its git object id, quoted: the blob for a file, the tree for a folder. */
final class ETags {
    private ETags() {
    }

    static String of(ObjectId id) {
        return id == null ? null : "\"" + id.name() + "\"";
    }

    static String of(Entry e) {
        return of(e.id());
    }
}
