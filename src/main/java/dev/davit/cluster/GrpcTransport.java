package dev.davit.cluster;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport with the leader's entry sender of {@link LogStartAppender} (a fix of Ratis 3.2.2).
 * Ratis finds a transport that is not one of its own by class name ({@code raft.rpc.type}), hence public with
 * a public constructor; nothing else here differs from {@link GrpcFactory}.
 */
public final class GrpcTransport implements RpcType {
    public GrpcTransport() {
        // found by Ratis through reflection
    }

    @Override
    public String name() {
        return GrpcTransport.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new GrpcFactory(parameters) {
            @Override
            public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
                return new LogStartAppender(server, state, follower);
            }
        };
    }
}
