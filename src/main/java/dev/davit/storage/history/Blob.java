package dev.davit.storage.history;

import org.eclipse.jgit.lib.ObjectId;

/** A blob's id and bytes. */
public record Blob(ObjectId id, byte[] bytes) {
}
