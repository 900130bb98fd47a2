package dev.davit.cluster;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's sender of log entries to one follower: Ratis' own, but for a follower whose next entry is the
 * first one the leader's log still holds while the entry before it was deleted (and is not the leader's latest
 * snapshot). Ratis 3.2.2 can then neither send entries (they must name their previous entry; its appender fails
 * on the missing one and starts over, again and again) nor tell the follower to fetch a snapshot (it does so only
 * for a follower behind the log's start), so that follower stays behind, without a leader, for good. It happens to
 * a leader stopped between two writes: its log ends where its term ends, Ratis starts a new log file with each
 * term, and once the next leader deleted the old term's files its log starts right after the stopped node's last
 * entry (ClusterCatchUpTest; interop/cluster.sh saw it in CI). Fixed upstream after 3.2.2 (RATIS-2487, not
 * released yet): this does the same thing differently, by counting such a follower as one behind the log's
 * start, so Ratis tells it to fetch the leader's state ({@link RepositoryStateMachine#notifyInstallSnapshotFromLeader}).
 * Remove it with a Ratis release that has the fix.
 */
final class LogStartAppender extends GrpcLogAppender {
    private static final Logger LOG = LoggerFactory.getLogger(LogStartAppender.class);
    /** The follower's next index last said in the log (its replies set it back until it has fetched: said once). */
    private long told = RaftLog.INVALID_LOG_INDEX;

    LogStartAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
        super(server, leaderState, follower);
    }

    /** Called by Ratis under this appender's lock, before it sends entries (or a heartbeat) to the follower. */
    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat) throws RaftLogIOException {
        if (!heartbeat && previousIsGone()) {
            FollowerInfo follower = getFollower();
            long next = follower.getNextIndex();
            if (told != next) {
                told = next;
                LOG.info("cluster: {} needs entries from {}, the first this leader's log holds, but the one before it is"
                        + " gone: it is told to fetch this leader's state", follower.getName(), next);
            }
            // One below the log's start: Ratis' own check (next < start) then notifies it to install a snapshot.
            follower.setNextIndex(next - 1);
            return null; // nothing sent now; the next round sends the notification
        }
        return super.newAppendEntriesRequest(callId, heartbeat);
    }

    /** Entries from the follower's next index on would need a previous entry that is neither logged nor snapshotted. */
    private boolean previousIsGone() {
        FollowerInfo follower = getFollower();
        RaftLog log = getRaftLog();
        long next = follower.getNextIndex();
        if (next <= RaftLog.LEAST_VALID_LOG_INDEX || next != log.getStartIndex() || next >= log.getNextIndex()) {
            return false;
        }
        if (next == follower.getSnapshotIndex() + 1 || log.getTermIndex(next - 1) != null) {
            return false; // no previous needed (just after the follower's snapshot), or it is there
        }
        SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
        return snapshot == null || snapshot.getIndex() != next - 1;
    }
}
