package dev.davit.storage;

import java.io.IOException;

/**
 * The body of one write: reads and changes a {@link TreeEdit}. It may run more than once (when another
 * writer moved the branch first, it is applied again on the new head), so it must not have side effects
 * outside the edit, and it re-checks its preconditions on every run.
 */
@FunctionalInterface
public interface Mutation<T> {
    T apply(TreeEdit edit) throws StorageException, IOException;
}
