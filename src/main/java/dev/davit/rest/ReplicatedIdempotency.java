package dev.davit.rest;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.storage.GitRepository;
import dev.davit.storage.KeyedWrites;
import dev.davit.storage.WriteKey;

/**
 * {@code Idempotency-Key} in cluster mode, where the node that answered a write may be gone when its client
 * retries through another: what a key stands for is in the replicated log, the same on every node
 * ({@link KeyedWrites}), never in one node's memory.
 * <ul>
 * <li>A keyed write that commits carries its key in its commit's own log entry ({@link WriteKey}): no leader
 * can die between the commit and the note of its key. The answer is not kept: a retry gets it rebuilt from
 * that commit by the same route, whose write is run again on the tree the commit was made on, nothing
 * written ({@link GitRepository#rerun}): the same status, file and commit, never a second commit nor a
 * conflict with its own write. Only a commit in the branch's history counts (an attempt whose record the log
 * refused answered 503 and committed nothing).</li>
 * <li>A keyed write that makes no commit (a refusal, a write that changes nothing) has its answer kept by a
 * log entry of its own after it is answered. A leader that dies before that entry lost nothing that was
 * committed: a retry runs the request again.</li>
 * </ul>
 * As on a single node ({@link IdempotencyStore}): answers of 5xx are not kept, a key reused with another
 * request is refused with 422, a key is kept {@link KeyedWrites#KEEP} (by the leader's time of its entry)
 * and the last {@value KeyedWrites#MAX_ENTRIES} keys; a duplicate arriving while the first runs on this node
 * waits for it (every request runs on the node that leads).
 */
final class ReplicatedIdempotency {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedIdempotency.class);

    /** A keyed request: run as a new write under {@code key}, or, with {@code replayOf}, rebuilt from that commit. */
    interface Action {
        Reply run(WriteKey key, ObjectId replayOf);
    }

    private final KeyedWrites log;
    private final Clock clock;
    /** Keys whose request runs on this node now, each with how many requests hold or wait for it. */
    private final Map<String, int[]> running = new HashMap<>();

    ReplicatedIdempotency(KeyedWrites log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    Reply run(String scope, String key, String method, String uri, byte[] body, GitRepository repo, Action action) {
        String id = scope + "\n" + key;
        String fingerprint = IdempotencyStore.fingerprint(method, uri, body);
        int[] gate;
        synchronized (running) {
            gate = running.computeIfAbsent(id, k -> new int[1]);
            gate[0]++;
        }
        try {
            synchronized (gate) {
                return runAlone(id, key, fingerprint, method, repo, action);
            }
        } finally {
            synchronized (running) {
                if (--gate[0] == 0) {
                    running.remove(id);
                }
            }
        }
    }

    private Reply runAlone(String id, String key, String fingerprint, String method, GitRepository repo, Action action) {
        KeyedWrites.Outcome known = log.get(id);
        if (known != null && known.at().plus(KeyedWrites.KEEP).isBefore(clock.instant())) {
            known = null;
        }
        ObjectId commit = null;
        if (known != null) {
            try {
                commit = committed(known, repo);
            } catch (IOException e) {
                return RestErrors.reply(e, repo, method);
            }
            if (commit == null && known.answer() == null) {
                known = null; // only refused attempts: nothing was committed, the request runs
            }
        }
        if (known != null) {
            if (!known.fingerprint().equals(fingerprint)) {
                return RestErrors.reply(new RestProblem(422,
                        "Idempotency-Key " + key + " was used for a different request; use a new key for a new request"), null, method);
            }
            Reply replay;
            if (commit != null) {
                replay = action.run(null, commit);
            } else {
                try {
                    replay = Reply.fromBytes(known.answer());
                } catch (IOException e) {
                    return RestErrors.reply(e, repo, method);
                }
            }
            return replay.status() < 500 ? replay.withHeader("Idempotent-Replayed", "true") : replay;
        }
        WriteKey writeKey = new WriteKey(id, fingerprint);
        Reply r = action.run(writeKey, null);
        if (r.status() < 500 && !madeCommit(id, fingerprint, r)) {
            try {
                log.commitAnswer(writeKey, r.toBytes());
            } catch (IOException | RuntimeException e) {
                // Answered all the same: it committed nothing, so a retry that runs it again is harmless.
                LOG.warn("cluster: the answer to Idempotency-Key {} was not kept by the cluster ({}); a retry runs it again",
                        key, e.toString());
            }
        }
        return r;
    }

    /** The commit of the key's request that is in the branch's history (the newest: the others were refused), or null. */
    private static ObjectId committed(KeyedWrites.Outcome known, GitRepository repo) throws IOException {
        for (int i = known.commits().size() - 1; i >= 0; i--) {
            if (repo.inHistory(known.commits().get(i))) {
                return known.commits().get(i);
            }
        }
        return null;
    }

    /** True when this answer's write committed under the key (its commit's entry carried it). */
    private boolean madeCommit(String id, String fingerprint, Reply r) {
        KeyedWrites.Outcome o = log.get(id);
        return o != null && r.revision() != null && o.fingerprint().equals(fingerprint) && o.commits().contains(r.revision());
    }
}
