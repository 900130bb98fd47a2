package dev.davit.storage;

import org.eclipse.jgit.lib.ObjectId;

/**
 * What a write produced: the branch head after it ({@code revision}), whether a commit was made (a write
 * that changes nothing, such as a PUT of identical bytes, makes none) and the mutation's own value.
 */
public record WriteResult<T>(ObjectId revision, boolean committed, T value) {
}
