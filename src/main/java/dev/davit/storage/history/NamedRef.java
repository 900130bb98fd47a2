package dev.davit.storage.history;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A ref of the repository: its full name ({@code refs/heads/main}, {@code refs/tags/v1}), the object it
 * points at, and the commit that object leads to (the same id, unless the ref names an annotated tag).
 */
public record NamedRef(String name, ObjectId target, ObjectId commit, boolean annotatedTag) {
}
