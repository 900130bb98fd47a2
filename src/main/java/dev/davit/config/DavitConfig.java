package dev.davit.config;

import java.nio.file.Path;
import java.util.List;

import dev.davit.auth.UserAccount;

/**
 * All settings, read once at start. See {@code config/davit.properties} for the meaning of each.
 *
 * @param staleStatus 409 (Davit's conflict contract) or 412 (RFC 9110 strictly) for failed version preconditions
 * @param lockStatus  409 (Davit's conflict contract) or 423 (RFC 4918) for lock collisions
 * @param gcEveryCommits repack a repository in the background after this many commits (0: never)
 * @param homes       user name to the {@code owner/repo} the Nextcloud/ownCloud clients sync ({@code user.NAME.home})
 * @param uploadsAbandonedHours a sync client's chunked upload untouched this long is deleted ({@code uploads.abandoned.hours})
 * @param cluster     cluster mode ({@code cluster.*}; off by default)
 */
public record DavitConfig(String bind, int port, Path dataDir, String sampleRepository, Path sampleSource,
                          int staleStatus, int lockStatus, long maxLockSeconds, boolean durable, long maxXmlBodyBytes,
                          List<String> junkPatterns, Limits limits, List<UserAccount> users,
                          int gcEveryCommits, Tls tls, List<UserAccount.Grant> anonymous, Defences defences,
                          java.util.Map<String, String> homes, int shutdownSeconds, int uploadsAbandonedHours,
                          Cluster cluster) {
    /**
     * Cluster mode (experimental): the nodes of one Raft group that replicates every repository's commit log.
     *
     * @param enabled             off: a single node, as without these settings
     * @param nodeId              this node's id, one of {@code peers}
     * @param peers               every node of the group, this one included
     * @param raftDir             where this node keeps its Raft log (null: {@code {data.dir}/.davit/raft})
     * @param commitTimeoutMillis a write not committed on a majority within this is answered 503
     * @param secret              shared by the nodes: a node that fell behind the Raft log's start fetches the
     *                            repositories from another with it ({@code cluster.secret})
     * @param snapshotEntries     a Raft snapshot every this many entries, after which the log is trimmed to about
     *                            as many ({@code cluster.snapshot.entries})
     * @param segmentBytes        the size at which a Raft log file is closed; only closed ones can be deleted
     *                            ({@code cluster.raft.segment.bytes})
     */
    public record Cluster(boolean enabled, String nodeId, List<Peer> peers, Path raftDir, long commitTimeoutMillis,
                          String secret, long snapshotEntries, long segmentBytes, RaftTls raftTls) {
        public static final long DEFAULT_SNAPSHOT_ENTRIES = 10_000;
        public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

        /** Settings without the snapshot tuning (the defaults) and without TLS on the Raft port. */
        public Cluster(boolean enabled, String nodeId, List<Peer> peers, Path raftDir, long commitTimeoutMillis, String secret) {
            this(enabled, nodeId, peers, raftDir, commitTimeoutMillis, secret, DEFAULT_SNAPSHOT_ENTRIES, DEFAULT_SEGMENT_BYTES);
        }

        /** Settings without TLS on the Raft port. */
        public Cluster(boolean enabled, String nodeId, List<Peer> peers, Path raftDir, long commitTimeoutMillis, String secret,
                       long snapshotEntries, long segmentBytes) {
            this(enabled, nodeId, peers, raftDir, commitTimeoutMillis, secret, snapshotEntries, segmentBytes, null);
        }

        /**
         * Mutual TLS on the Raft port ({@code cluster.tls.*}): this node's key and certificate, and the certificates
         * it trusts, of the other nodes or of the authority that signed theirs.
         */
        public record RaftTls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
            @Override
            public String toString() {
                return "RaftTls[keystore=" + keystore + ", truststore=" + truststore + "]"; // never the passwords
            }
        }

        /** One node: its Raft (gRPC) port and its HTTP port, where other nodes forward requests to it. */
        public record Peer(String id, String host, int raftPort, int httpPort) {
        }
    }

    /**
     * HTTPS and the plain-HTTP rule.
     *
     * @param port              HTTPS port (0 picks a free one), or -1 for no HTTPS
     * @param keystore          PKCS12 (or JKS) keystore with the server certificate
     * @param keystorePassword  its password
     * @param basicOnlyOverTls  refuse HTTP Basic over plain HTTP except from loopback addresses
     */
    public record Tls(int port, Path keystore, String keystorePassword, boolean basicOnlyOverTls) {
        public boolean enabled() {
            return port >= 0 && keystore != null;
        }
    }

    /**
     * Request limits, each answered with a clear 4xx.
     *
     * @param bodyBytes       largest request body (413); 0 = no limit
     * @param headerBytes     largest request header section (431, by Jetty)
     * @param propfindEntries most entries a PROPFIND Depth: infinity may list (403 propfind-finite-depth)
     * @param locksPerUser    most active locks one user may hold (507)
     */
    public record Limits(long bodyBytes, int headerBytes, int propfindEntries, int locksPerUser, long repositoryBytes) {
    }

    /**
     * Defences against hostile load (issue 14).
     *
     * @param authFreeFailures        failed authentications per client address and per user name before any wait
     * @param authMaxDelaySeconds     the longest wait after failures (1 s doubled per failure up to this)
     * @param passwordChecks          password hash checks run at once
     * @param passwordChecksWaiting   more that may wait for a turn (beyond: 503 with Retry-After)
     * @param headerTimeoutSeconds    a request's header section must arrive within this
     * @param connectionsPerAddress   open connections per client address (beyond: closed at once); 0 = no limit
     * @param discardDamagedLocks     start with an empty lock database when it is damaged (logging each lock dropped)
     * @param refusalHoldMaxSeconds   a 429 or 503 for authentication is answered when the client may come back, at
     *                                most this many seconds after the request (0: at once), holding no thread
     */
    public record Defences(int authFreeFailures, int authMaxDelaySeconds, int passwordChecks, int passwordChecksWaiting,
                           int headerTimeoutSeconds, int connectionsPerAddress, boolean discardDamagedLocks,
                           int refusalHoldMaxSeconds) {
    }

}
