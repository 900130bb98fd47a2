package dev.davit.storage;

import java.io.IOException;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.log.CommitLog;

/**
 * Where a batch of writes becomes committed when it is not the repository's own {@link CommitLog}: cluster
 * mode hands the batch's record to a replicated log (dev.davit.cluster), which commits it on a majority of
 * nodes and then applies it on each, this node included, through {@link GitRepository#applyReplicated}.
 * Storage knows only this interface, never the engine behind it. Without one (a single node), the local
 * commit log's synced append is the commit point, as it always was.
 *
 * <p>What a client relies on beside the history goes through the same log in cluster mode, so that every node
 * holds it alike and it survives the node that took it: the files kept aside ({@link SideFiles}), the keys
 * of keyed writes with their outcome ({@link KeyedWrites}) and the front ends' notes ({@link NoteKeeper}).
 */
public interface CommitPoint {
    /**
     * Returns once {@code record} is committed and applied to {@code repo} on this node (its head is the
     * record's new head), with {@code keys}, the keyed writes among its commits, in the same entry. Its commits
     * may also name {@code outside}: large blobs that are not in the record (a log entry holds its objects in
     * memory, on every node) but were made durable on a majority of nodes beforehand by {@link #shipBlob}; a
     * node that lacks one when it applies the record fetches it first.
     *
     * @throws NotCommittedException when that is not known (no majority, lost leadership, a time-out, or the
     *                               record's old head was no longer the head when its turn came): the caller
     *                               must not acknowledge the writes
     */
    void commit(GitRepository repo, CommitLog.Record record, List<WriteKey.Commit> keys, List<ObjectId> outside)
            throws IOException;

    /**
     * Makes the blob {@code id}, durable in {@code repo} on this node, durable on a majority of nodes before any
     * record names it (a file too large for a log entry); returns once it is.
     *
     * @throws NotCommittedException when a majority did not take it
     */
    void shipBlob(GitRepository repo, ObjectId id) throws IOException;

    /**
     * Commits a change of the files kept aside beside {@code repo}; returns once it is applied on this node
     * ({@link SideFiles#apply}), with what it did there.
     *
     * @throws NotCommittedException as {@link #commit}
     */
    boolean commitSide(GitRepository repo, SideFiles.Change change) throws IOException;

    /**
     * Commits a front end's note of {@code kind} about {@code repo}; returns once it is applied on this node
     * ({@link NoteKeeper#apply}).
     *
     * @throws NotCommittedException as {@link #commit}
     */
    void commitNote(GitRepository repo, String kind, byte[] note) throws IOException;

    /**
     * Commits the answer to a keyed write that made no commit ({@link KeyedWrites#answered}); returns once it is
     * applied on this node.
     *
     * @throws NotCommittedException as {@link #commit}
     */
    void commitAnswer(WriteKey key, byte[] answer) throws IOException;

    /** The largest record (the sum of its objects' bytes) {@link #commit} takes; a larger write is refused (413). */
    long maxRecordBytes();
}
