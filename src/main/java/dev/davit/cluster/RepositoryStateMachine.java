package dev.davit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.storage.GitRepository;
import dev.davit.storage.Repositories;
import dev.davit.storage.StorageException;
import dev.davit.storage.WriteKey;

/**
 * Applies the committed entries of the replicated log to this node's repositories, locks
 * ({@link ReplicatedLockStore}), files kept aside ({@link SideEntry}), front ends' notes ({@link NoteEntry}) and
 * keyed writes ({@link AnswerEntry}), on every node (the leader too), one at a time in the log's order. Each
 * repository entry is one batch of one repository's writes (with the keys of its keyed writes); it moves that
 * repository's branch only when its old head is the head there ({@link GitRepository#applyReplicated}), so all
 * nodes take and refuse the same entries.
 * Its answer ({@value #APPLIED} or {@value #STALE}) goes back to the writer on the leader.
 *
 * <p>Snapshots: the state is the repositories on disk, so a snapshot at index N ({@link #takeSnapshot}) is the
 * claim that every entry up to N is applied and durable there (the disk writers are waited for first), plus the
 * locks, in one small file ({@link ClusterSnapshot}). Ratis then deletes the log up to about N, and at a restart
 * applies only the entries after the snapshot; an entry the repository already has finds the head moved past it
 * and changes nothing, so that replay is idempotent. The files kept aside and the notes' keepers skip the changes
 * they applied before (by index). A node that fell behind the start of the leader's log is told so by Ratis
 * ({@link #notifyInstallSnapshotFromLeader}) and fetches the leader's snapshot file and then its repositories
 * ({@link CatchUp}); it goes on from the index of that snapshot. The keyed writes, held in memory, are in the
 * snapshot with the locks. The files kept aside and the notes, on disk beside each repository, are fetched with
 * it ({@link BesideState}), each with the index of the last entry it holds, so the entries after the snapshot
 * skip those it holds as after a restart.
 */
final class RepositoryStateMachine extends BaseStateMachine {
    static final String APPLIED = "APPLIED";
    static final String STALE = "STALE";
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryStateMachine.class);

    private final Repositories repositories;
    private final ReplicatedLockStore locks;
    /** Runs after each applied entry or term change (the node checks whether it may lead now). */
    private final Runnable afterApply;
    private final SnapshotFiles snapshots = new SnapshotFiles();
    private final CatchUp catchUp;
    private final BlobFetch blobs;
    /** Told once, with the reason, when an entry cannot be applied here (the node then leaves the group). */
    private final java.util.function.Consumer<String> stop;
    /** Why this node stopped applying entries (the first one it could not apply), or null. */
    private volatile String failed;

    /** How a node that fell behind the leader's log gets the leader's state (ClusterNode: over HTTP). */
    interface CatchUp {
        /**
         * Fetches the latest snapshot file of the node {@code leaderId} and then its repositories (this node's
         * repositories then hold at least what that snapshot claims), and completes with the file's bytes.
         */
        CompletableFuture<byte[]> from(String leaderId);
    }

    /** How a node gets a blob that an entry names outside its record and that it missed (ClusterNode: over HTTP). */
    interface BlobFetch {
        /** Stores the blob {@code id} in {@code repo} on this node, durably, from another node that has it. */
        void fetch(GitRepository repo, ObjectId id) throws IOException;
    }

    RepositoryStateMachine(Repositories repositories, ReplicatedLockStore locks, Runnable afterApply, CatchUp catchUp,
                           BlobFetch blobs, java.util.function.Consumer<String> stop) {
        this.repositories = repositories;
        this.locks = locks;
        this.afterApply = afterApply;
        this.catchUp = catchUp;
        this.blobs = blobs;
        this.stop = stop;
    }

    /** This node's snapshots (other nodes fetch the latest). */
    SnapshotFiles snapshots() {
        return snapshots;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, storage);
            snapshots.init(storage);
            load(snapshots.latest());
        });
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots.ratis();
    }

    /** Takes the snapshot's state: the locks as of its index, which is then the last applied one. */
    private void load(ClusterSnapshot s) {
        if (s == null) {
            return;
        }
        locks.restore(s.locks());
        repositories.keyedWrites().restore(s.keys());
        setLastAppliedTermIndex(TermIndex.valueOf(s.term(), s.index()));
        LOG.info("cluster: state as of the Raft snapshot at index {} (term {}): {} locks, {} repositories",
                s.index(), s.term(), s.locks().locks().size(), s.repositories().size());
    }

    /**
     * On Ratis' state machine thread, between two entries: every entry up to the last applied one is in the
     * repositories, so once their disk writers have written and fsynced it all, that index is durable without
     * its log entries.
     */
    @Override
    public long takeSnapshot() throws IOException {
        if (failed != null) {
            throw new IOException("cluster: no snapshot; this node stopped at an entry it could not apply (" + failed + ")");
        }
        TermIndex at = getLastAppliedTermIndex();
        if (at == null || at.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        repositories.applyAllToDisk();
        snapshots.write(new ClusterSnapshot(at.getTerm(), at.getIndex(), locks.state(), repositories.list(),
                repositories.keyedWrites().state()));
        return at.getIndex();
    }

    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After a catch-up: the snapshot it stored is now this node's state (Ratis applies the entries after it). */
    @Override
    public void reinitialize() throws IOException {
        load(snapshots.latest());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /**
     * The leader's log starts after the entries this node still lacks (it was purged after a snapshot): this node
     * fetches the leader's latest snapshot file, then its repositories, stores that file as its own snapshot, and
     * answers its index; Ratis then reloads this state machine ({@link #reinitialize}) and sends the entries after it.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto role, TermIndex firstInLeaderLog) {
        String leader = role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
        LOG.warn("cluster: this node lacks entries the leader {} no longer keeps (its log starts at {}); fetching its snapshot"
                + " and repositories", leader, firstInLeaderLog);
        return catchUp.from(leader).thenApply(bytes -> {
            try {
                ClusterSnapshot s = ClusterSnapshot.decode(bytes);
                snapshots.write(bytes, s.term(), s.index());
                LOG.warn("cluster: caught up from {} to its snapshot at index {}; the log goes on from there", leader, s.index());
                return TermIndex.valueOf(s.term(), s.index());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex at = TermIndex.valueOf(entry);
        String outcome;
        if (failed != null) {
            // Ratis 3.2.2 logs a failed entry and goes on with the next: applying that one would skip the
            // failed one for good (a snapshot past it) and leave this node different from the others.
            return CompletableFuture.failedFuture(new IOException("not applied: this node stopped at an entry it could not apply ("
                    + failed + ")"));
        }
        try {
            byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
            if (LockEntry.isOne(data)) {
                locks.apply(LockEntry.decode(data));
                updateLastAppliedTermIndex(at);
                afterApply.run();
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(APPLIED, StandardCharsets.UTF_8)));
            }
            if (SideEntry.isOne(data) || NoteEntry.isOne(data) || AnswerEntry.isOne(data)) {
                String done = applyBesideHistory(data, at.getIndex());
                updateLastAppliedTermIndex(at);
                afterApply.run();
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(done, StandardCharsets.UTF_8)));
            }
            // A repository made on another node (a sync client's home) is made here by its first entry: an
            // empty repository is the same on every node, so its creation needs no entry of its own. A tree the
            // entry holds as a delta has its base in the tree of the commit the batch follows: applied here before.
            ReplicatedEntry e;
            try {
                e = ReplicatedEntry.decode(data, (owner, name) -> treeBytes(owner, name));
            } catch (dev.davit.storage.log.CommitLog.MissingBaseException missing) {
                // Only an entry the head has moved past can lack its base (replayed after a restart, when a
                // push replaced that history and a repack dropped its trees since): it is stale, as it would be
                // decoded; one the head is at must have it, and a node without it stops as for any entry.
                e = ReplicatedEntry.decodeWithoutObjects(data);
                GitRepository target = repositories.createIfMissing(e.owner(), e.name(), null, null);
                if (target.applicable(e.record())) {
                    throw missing;
                }
            }
            GitRepository repo = repositories.createIfMissing(e.owner(), e.name(), null, null);
            if (repo.applicable(e.record())) {
                // Large blobs its commits name outside the record: a majority took each before the entry was
                // submitted; this node fetches one it missed (entries are applied one at a time: the head
                // cannot move between this check and the apply).
                for (ObjectId id : e.outside()) {
                    if (!repo.holdsBlob(id)) {
                        blobs.fetch(repo, id);
                    }
                }
            }
            outcome = repo.applyReplicated(e.record()) == GitRepository.Applied.APPLIED ? APPLIED : STALE;
            // Whatever the outcome: a replayed entry finds the head moved past it (STALE) though it was applied
            // once; the front end asks whether the key's commit is in the history before it trusts it.
            for (WriteKey.Commit k : e.keys()) {
                repositories.keyedWrites().committed(k.key(), k.commit(), Instant.ofEpochMilli(e.stampMillis()));
            }
        } catch (IOException | StorageException | RuntimeException e) {
            // Skipping an entry would leave this node different from the others for good: it applies no later
            // entry and takes no snapshot, and leaves the group (its Raft server stops); once what failed is
            // fixed, a restart applies the entry again (nothing after its last snapshot counts as applied).
            failed = "log entry " + at + ": " + e;
            LOG.error("cluster: could not apply log entry {} to this node's repositories; this node stops taking part"
                    + " until it is restarted", at, e);
            stop.accept(failed);
            return CompletableFuture.failedFuture(e);
        }
        updateLastAppliedTermIndex(at);
        afterApply.run();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(outcome, StandardCharsets.UTF_8)));
    }

    /** Where the deltas of an entry for repository {@code owner/name} find their bases: its trees, null when missing. */
    private dev.davit.storage.log.CommitLog.Bases treeBytes(String owner, String name) {
        return id -> {
            GitRepository repo;
            try {
                repo = repositories.createIfMissing(owner, name, null, null);
            } catch (StorageException e) {
                throw new IOException(e.getMessage(), e);
            }
            try (org.eclipse.jgit.lib.ObjectReader reader = repo.newReader()) {
                return reader.open(id, org.eclipse.jgit.lib.Constants.OBJ_TREE).getCachedBytes(Integer.MAX_VALUE);
            } catch (org.eclipse.jgit.errors.MissingObjectException e) {
                return null;
            }
        };
    }

    /**
     * What a client relies on beside the history: a change of the files kept aside (their store skips the
     * changes it applied before a restart, by index), a front end's note, or a keyed write's answer.
     */
    private String applyBesideHistory(byte[] data, long index) throws IOException, StorageException {
        if (SideEntry.isOne(data)) {
            SideEntry e = SideEntry.decode(data);
            GitRepository repo = repositories.createIfMissing(e.owner(), e.name(), null, null);
            return Boolean.toString(repo.sideFiles().apply(e.change(), index));
        }
        if (NoteEntry.isOne(data)) {
            NoteEntry n = NoteEntry.decode(data);
            repositories.applyNote(n.kind(), repositories.createIfMissing(n.owner(), n.name(), null, null), n.note(), index);
            return APPLIED;
        }
        AnswerEntry a = AnswerEntry.decode(data);
        repositories.keyedWrites().answered(a.key(), a.answer(), Instant.ofEpochMilli(a.stampMillis()));
        return APPLIED;
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index); // a leader's first entry of its term (no data) counts as applied
        afterApply.run();
    }

    @Override
    public void notifyLeaderReady() {
        afterApply.run();
    }
}
