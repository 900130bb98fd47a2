package dev.davit.storage;

import org.eclipse.jgit.lib.ObjectId;

/**
 * One visible resource of a tree: a file (its blob id is its version) or a folder (its tree id changes
 * whenever anything below it changes, which is what sync clients compare).
 */
public record Entry(RepoPath path, Kind kind, ObjectId id) {
    public enum Kind { FILE, FOLDER }

    public boolean isFolder() {
        return kind == Kind.FOLDER;
    }

    public String name() {
        return path.name();
    }
}
