package dev.davit.storage.history;

import org.eclipse.jgit.lib.ObjectId;

/**
 * How one file differs between two commits.
 *
 * @param status       {@code added}, {@code removed}, {@code modified}, {@code renamed} or {@code copied}
 * @param path         the path after the change (for a removed file, the path it had)
 * @param previousPath the path before a rename or copy, else null
 * @param blob         the file's blob after the change (for a removed file, the blob it had)
 * @param additions    lines added
 * @param deletions    lines removed
 * @param patch        the unified diff hunks (from the first {@code @@}), or null for binary content
 */
public record FileChange(String status, String path, String previousPath, ObjectId blob, int additions, int deletions,
                         String patch) {
}
