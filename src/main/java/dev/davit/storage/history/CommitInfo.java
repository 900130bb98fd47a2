package dev.davit.storage.history;

import java.util.List;

import org.eclipse.jgit.lib.ObjectId;

/**
 * The recorded facts of one commit: its id, its root tree, its parents (first parent first; none for the
 * first commit), author, committer and full message.
 */
public record CommitInfo(ObjectId id, ObjectId tree, List<ObjectId> parents, Person author, Person committer, String message) {
}
