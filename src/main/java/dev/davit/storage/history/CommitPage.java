package dev.davit.storage.history;

import java.util.List;

/** One page of a history walk, newest first; {@code more} is true when commits follow after this page. */
public record CommitPage(List<CommitInfo> commits, boolean more) {
}
