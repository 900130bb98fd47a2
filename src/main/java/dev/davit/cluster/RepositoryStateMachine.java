package dev.davit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
 * <p>No snapshots in this cut: after a restart Ratis applies the whole log again from its start; every entry
 * already in the repository finds the head moved past it and changes nothing, so replay is idempotent. The
 * files kept aside and the notes' keepers skip the changes they applied before (by index); the locks and keyed
 * writes, held in memory, are rebuilt from the whole log.
 */
final class RepositoryStateMachine extends BaseStateMachine {
    static final String APPLIED = "APPLIED";
    static final String STALE = "STALE";
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryStateMachine.class);

    private final Repositories repositories;
    private final ReplicatedLockStore locks;
    /** Runs after each applied entry or term change (the node checks whether it may lead now). */
    private final Runnable afterApply;

    RepositoryStateMachine(Repositories repositories, ReplicatedLockStore locks, Runnable afterApply) {
        this.repositories = repositories;
        this.locks = locks;
        this.afterApply = afterApply;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex at = TermIndex.valueOf(entry);
        String outcome;
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
            ReplicatedEntry e = ReplicatedEntry.decode(data);
            // A repository made on another node (a sync client's home) is made here by its first entry: an
            // empty repository is the same on every node, so its creation needs no entry of its own.
            GitRepository repo = repositories.createIfMissing(e.owner(), e.name(), null, null);
            outcome = repo.applyReplicated(e.record()) == GitRepository.Applied.APPLIED ? APPLIED : STALE;
            // Whatever the outcome: a replayed entry finds the head moved past it (STALE) though it was applied
            // once; the front end asks whether the key's commit is in the history before it trusts it.
            for (WriteKey.Commit k : e.keys()) {
                repositories.keyedWrites().committed(k.key(), k.commit(), Instant.ofEpochMilli(e.stampMillis()));
            }
        } catch (IOException | StorageException | RuntimeException e) {
            // Skipping an entry would leave this node different from the others for good: it stops applying
            // instead (Ratis fails the state machine), and a restart tries the entry again.
            LOG.error("cluster: could not apply log entry {} to this node's repositories", at, e);
            return CompletableFuture.failedFuture(e);
        }
        updateLastAppliedTermIndex(at);
        afterApply.run();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(outcome, StandardCharsets.UTF_8)));
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
