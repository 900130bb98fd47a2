package dev.davit.storage;

import java.io.IOException;

import dev.davit.storage.log.CommitLog;

/**
 * Where a batch of writes becomes committed when it is not the repository's own {@link CommitLog}: cluster
 * mode hands the batch's record to a replicated log (dev.davit.cluster), which commits it on a majority of
 * nodes and then applies it on each, this node included, through {@link GitRepository#applyReplicated}.
 * Storage knows only this interface, never the engine behind it. Without one (a single node), the local
 * commit log's synced append is the commit point, as it always was.
 */
public interface CommitPoint {
    /**
     * Returns once {@code record} is committed and applied to {@code repo} on this node (its head is the
     * record's new head).
     *
     * @throws NotCommittedException when that is not known (no majority, lost leadership, a time-out, or the
     *                               record's old head was no longer the head when its turn came): the caller
     *                               must not acknowledge the writes
     */
    void commit(GitRepository repo, CommitLog.Record record) throws IOException;

    /** The largest record (the sum of its objects' bytes) {@link #commit} takes; a larger write is refused (507). */
    long maxRecordBytes();
}
