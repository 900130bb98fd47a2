package dev.davit.storage.history;

import java.util.List;


/**
 * Two commits compared as git's three-dot range does: {@code ahead} are the commits reachable from head
 * but not from base (oldest first), {@code behindBy} counts those reachable from base but not from head,
 * and {@code files} is the diff from the merge base to head.
 *
 * @param mergeBase the best common ancestor, or null when the histories share none
 */
public record Comparison(CommitInfo base, CommitInfo head, CommitInfo mergeBase, List<CommitInfo> ahead, int behindBy,
                         List<FileChange> files) {
    /** GitHub's word for the relation: identical, ahead, behind or diverged. */
    public String status() {
        if (ahead.isEmpty() && behindBy == 0) {
            return "identical";
        }
        if (behindBy == 0) {
            return "ahead";
        }
        return ahead.isEmpty() ? "behind" : "diverged";
    }
}
