package dev.davit.storage;

import org.eclipse.jgit.lib.ObjectId;

/**
 * A write asked for a three-way merge with the current content, and the merge found overlapping edits
 * (or binary content, which is never merged). Nothing is written; the outcome carries what the client
 * needs to resolve it.
 */
public final class MergeConflictException extends StorageException {
    private final RepoPath path;
    private final ObjectId current;
    private final ObjectId base;
    private final MergeOutcome outcome;

    public MergeConflictException(RepoPath path, ObjectId current, ObjectId base, MergeOutcome outcome) {
        super(outcome.kind() == MergeOutcome.Kind.BINARY
                ? path + " changed since " + base.name() + " and binary content does not merge"
                : path + " changed since " + base.name() + " and the changes overlap in " + outcome.conflicts().size() + " place(s)");
        this.path = path;
        this.current = current;
        this.base = base;
        this.outcome = outcome;
    }

    public RepoPath path() {
        return path;
    }

    /** The blob the file has now. */
    public ObjectId current() {
        return current;
    }

    /** The blob the client's edit started from. */
    public ObjectId base() {
        return base;
    }

    public MergeOutcome outcome() {
        return outcome;
    }
}
