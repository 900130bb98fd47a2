package dev.davit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.ReadIndexReplyProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.config.DavitConfig;
import dev.davit.storage.CommitPoint;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotCommittedException;
import dev.davit.storage.Repositories;
import dev.davit.storage.SideFiles;
import dev.davit.storage.WriteKey;
import dev.davit.storage.log.CommitLog;

/**
 * This node's member of the one Raft group (Apache Ratis, embedded) that replicates the commit log of every
 * repository: the leader of the group leads every repository. As the {@link CommitPoint} of every repository,
 * it hands each batch's record to Ratis and returns once Ratis reports it committed on a majority and applied
 * here ({@link RepositoryStateMachine}); anything else is a {@link NotCommittedException} (503). Fencing of a
 * stale leader is Raft's: an entry of an old term is never committed, so its writer never hears "committed".
 */
public final class ClusterNode implements CommitPoint, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    /** The one group of every Davit cluster (a node belongs to one cluster). */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("davit-cluster".getBytes(StandardCharsets.UTF_8)));
    /**
     * The largest record a write may ship: Ratis writes each entry through a buffer that must hold it whole
     * ({@link #WRITE_BUFFER}), and holds it in memory on the leader until every follower has it.
     */
    static final long MAX_RECORD_BYTES = 16L << 20;
    private static final SizeInBytes WRITE_BUFFER = SizeInBytes.valueOf("24MB");
    /** What the leader sends a follower at once: one entry of the largest record and its framing. */
    private static final SizeInBytes APPENDER_BATCH = SizeInBytes.valueOf("20MB");

    private final DavitConfig.Cluster settings;
    private final Map<String, DavitConfig.Cluster.Peer> peers = new LinkedHashMap<>();
    private final RaftServer server;
    private final RepositoryStateMachine stateMachine;
    private final ClientId clientId = ClientId.randomId();
    /**
     * How long a leader without a lease waits for a majority to confirm it still leads before a request is
     * answered 503: a round of heartbeats takes milliseconds between nodes that hear each other, and a leader
     * that has not heard from a majority for the 0.9 s of its lease is most likely cut off (it steps down at 2 s).
     */
    private static final long CONFIRM_MILLIS = 500;
    /** The read-index request of {@link #confirmsLeadership}, made once (it carries nothing that changes). */
    private final ReadIndexRequestProto confirmRequest;
    private final AtomicLong callIds = new AtomicLong();
    /** Runs {@link #whenLeading} off Ratis' threads (it writes through Ratis itself). */
    private final ExecutorService leadingTasks;
    private final Runnable whenLeading;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final ReplicatedLockStore locks;
    /** Stamps the entries of what is kept beside the history (their times on every node) while this node leads. */
    private final java.time.Clock clock;
    private final Repositories repositories;
    /** A node that fell behind the leader's log fetches its state on this thread ({@link PeerCatchUp}). */
    private final java.util.concurrent.ScheduledExecutorService catchUpThread;
    private final PeerCatchUp catchUp;
    /** Large files beside the log: shipped before the entry that names them, fetched by a node that missed one. */
    private final BlobTransfer blobs;
    /** Mutual TLS between the nodes ({@code cluster.tls.*}), or null. */
    private final NodeTls tls;
    /** A failed catch-up is reported this long after it failed: Ratis asks again at once, and would in a loop. */
    private static final long CATCH_UP_RETRY_SECONDS = 5;
    /** A blob an entry names is asked of every other node this many times, this far apart, before the entry fails. */
    private static final int FETCH_ROUNDS = 6;
    private static final long FETCH_PAUSE_SECONDS = 5;
    private volatile boolean closed;
    /** Why this node left the group while running (an entry it could not apply), or null. */
    private volatile String stoppedBecause;

    /**
     * Starts this node's Raft server; the repositories are brought up to the replicated log in the background.
     *
     * @param raftDir     where this node keeps its Raft log
     * @param clock       the time lock changes are stamped with while this node leads
     * @param whenLeading runs (on its own thread) each time this node starts to lead, once it has applied
     *                    everything committed before (the sample repository's first import happens there)
     */
    public static ClusterNode start(DavitConfig.Cluster settings, Path raftDir, Repositories repositories,
                                    java.time.Clock clock, Runnable whenLeading) throws IOException {
        ClusterNode node = new ClusterNode(settings, raftDir, repositories, clock, whenLeading);
        repositories.commitPoint(node);
        try {
            node.server.start();
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private ClusterNode(DavitConfig.Cluster settings, Path raftDir, Repositories repositories, java.time.Clock clock,
                        Runnable whenLeading) throws IOException {
        this.settings = settings;
        this.clock = clock;
        this.repositories = repositories;
        this.locks = new ReplicatedLockStore(clock);
        locks.node(this);
        this.whenLeading = whenLeading;
        List<RaftPeer> raftPeers = new ArrayList<>();
        DavitConfig.Cluster.Peer me = null;
        for (DavitConfig.Cluster.Peer p : settings.peers()) {
            peers.put(p.id(), p);
            raftPeers.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.host() + ":" + p.raftPort()).build());
            if (p.id().equals(settings.nodeId())) {
                me = p;
            }
        }
        if (me == null) {
            throw new IllegalArgumentException("cluster.node.id " + settings.nodeId() + " is not one of cluster.peers");
        }
        Files.createDirectories(raftDir);
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(raftDir.toFile()));
        GrpcConfigKeys.Server.setPort(props, me.raftPort());
        // gRPC, with the leader's entry sender fixed for a follower whose previous entry was deleted (GrpcTransport).
        org.apache.ratis.RaftConfigKeys.Rpc.setType(props, new GrpcTransport());
        // A 2xx means the write is on a majority's disks: Ratis counts an entry towards the commit only once its
        // log file is forced (FileChannel.force) on that node. Both settings below keep it so (they are the
        // defaults; set here so that a change of defaults cannot weaken it): neither "unsafe flush" (counted
        // before the force returns) nor "async flush" (forced on another thread, counted when it ends).
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(props, false);
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(props, false);
        // Entries hold whole objects (up to MAX_RECORD_BYTES): the write buffer must hold one, and so must the
        // appender's batch (a segment smaller than an entry gets that entry alone).
        RaftServerConfigKeys.Log.setWriteBufferSize(props, WRITE_BUFFER);
        // Closed segments kept in memory for followers that fall behind: at most two (Ratis' default, 200 MB,
        // is more than a small server's heap should give).
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(props, SizeInBytes.valueOf("128MB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, APPENDER_BATCH);
        // Elections: a few seconds at most on a busy machine, yet no elections for a GC pause or a busy core.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(1, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        // A leader that stops hearing from a majority steps down rather than go on thinking it leads: Ratis does
        // after the longest election timeout (2 s); this one is the wait after a pause of the whole JVM.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(props, true);
        // Reads: a leader cut off from the others believes it leads until it steps down (above), and would serve
        // reads meanwhile that another leader's writes have made stale. It serves a request only once a majority
        // confirmed its leadership after the request came (Raft §6.4, confirmsLeadership): with the leader lease
        // that is the heartbeats' answers of the last 0.9 x the shortest election timeout, which no other leader
        // can be elected within (a node votes only after missing heartbeats that long; pre-vote), so a confirmation
        // costs no round trip while heartbeats flow; without a lease, a round of heartbeats.
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(props, true);
        RaftServerConfigKeys.Read.setLeaderLeaseTimeoutRatio(props, 0.9);
        // Snapshots keep the log bounded: one every snapshotEntries entries (RepositoryStateMachine#takeSnapshot:
        // the repositories on disk are the state, the file holds the locks), after which the log is deleted up to
        // the snapshot but for the last snapshotEntries entries, whether or not every node has them: a node that
        // missed fewer catches up from the log, one that missed more fetches the leader's state (PeerCatchUp).
        // Ratis only deletes closed log files (segments), so they are closed at segmentBytes.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, settings.snapshotEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(props, settings.snapshotEntries());
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.min(1024, settings.snapshotEntries()));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(settings.segmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(props, SizeInBytes.valueOf(Math.min(settings.segmentBytes(), 4L << 20)));
        // Not Ratis' own transfer of snapshot files (the state is the repositories, far too big for it): the
        // follower is told to install one and fetches it itself (notifyInstallSnapshotFromLeader).
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(props, false);
        this.tls = settings.raftTls() == null ? null : NodeTls.load(settings.raftTls());
        this.catchUp = new PeerCatchUp(repositories, settings.secret(), this::peerUrl, tls);
        this.blobs = new BlobTransfer(settings.secret(), this::peerUrl, tls);
        this.catchUpThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "davit-cluster-catch-up");
            t.setDaemon(true);
            return t;
        });
        this.stateMachine = new RepositoryStateMachine(repositories, locks, this::checkLeading, this::catchUpFrom,
                this::fetchBlob, this::stopTakingPart);
        this.leadingTasks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "davit-cluster-leading");
            t.setDaemon(true);
            return t;
        });
        RaftPeerId self = RaftPeerId.valueOf(settings.nodeId());
        this.confirmRequest = ReadIndexRequestProto.newBuilder()
                .setServerRequest(ClientProtoUtils.toRaftRpcRequestProtoBuilder(self.toByteString(), self, GROUP_ID))
                .setClientRequest(ClientProtoUtils.toRaftClientRequestProto(RaftClientRequest.newBuilder()
                        .setClientId(clientId).setServerId(self).setGroupId(GROUP_ID).setCallId(0)
                        .setMessage(Message.EMPTY).setType(RaftClientRequest.readRequestType()).build()))
                .build();
        this.server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(settings.nodeId()))
                .setGroup(RaftGroup.valueOf(GROUP_ID, raftPeers))
                .setProperties(props)
                .setStateMachine(stateMachine)
                .setParameters(NodeTls.raftParameters(tls))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
    }

    /**
     * The catch-up of this node from {@code leaderId} (Ratis asks for it when the leader's log no longer holds
     * the entries this node lacks), on its own thread; a failure is logged, and reported to Ratis (which asks
     * again) only {@value #CATCH_UP_RETRY_SECONDS} s later, so that a leader that cannot be read is not asked in a loop.
     */
    private CompletableFuture<byte[]> catchUpFrom(String leaderId) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        // Ratis names the leader that sent the notification; without a name, the leader this node knows of.
        DavitConfig.Cluster.Peer peer = leaderId.isEmpty() ? leader() : peers.get(leaderId);
        try {
            catchUpThread.execute(() -> {
                try {
                    if (peer == null) {
                        throw new IOException("the leader " + leaderId + " is not one of cluster.peers");
                    }
                    done.complete(catchUp.from(peer));
                } catch (IOException | RuntimeException e) {
                    LOG.error("cluster: could not catch up from {} ({}); this node takes no part until it does,"
                            + " trying again in {} s", leaderId, e.toString(), CATCH_UP_RETRY_SECONDS, e);
                    try {
                        catchUpThread.schedule(() -> done.completeExceptionally(e), CATCH_UP_RETRY_SECONDS, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        done.completeExceptionally(e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new IOException("this node is closing"));
        }
        return done;
    }

    /**
     * The endpoints the other nodes read when they catch up from this one ({@code /cluster/}, guarded by
     * {@code cluster.secret}); the server adds them to its servlet context.
     */
    public void addPeerEndpoints(org.eclipse.jetty.ee10.servlet.ServletContextHandler context) {
        PeerEndpoints.addTo(context, settings.secret(), stateMachine.snapshots(), repositories, peerEndpointsPort());
    }

    /**
     * Where {@code peer} takes what nodes send each other over HTTP: its HTTP port in {@code cluster.peers}, over
     * HTTPS with this node's certificate when {@code cluster.tls.*} is set (the nodes' own port, see
     * {@link #addNodeConnector}).
     */
    String peerUrl(DavitConfig.Cluster.Peer peer) {
        return (tls == null ? "http" : "https") + "://" + peer.host() + ":" + peer.httpPort();
    }

    /**
     * With {@code cluster.tls.*}: this node's own port for the other nodes (its HTTP port in {@code cluster.peers},
     * apart from the users' ports), HTTPS that takes a connection only with a certificate the nodes' trust store
     * holds; it serves what the users' ports serve (forwarded requests) and {@code /cluster/}, which then answers
     * there only. Without: nothing (the nodes use the users' HTTP port, as the peers' HTTP port is).
     *
     * @return the connector added to {@code jetty}, or null
     */
    public org.eclipse.jetty.server.ServerConnector addNodeConnector(org.eclipse.jetty.server.Server jetty,
                                                                     org.eclipse.jetty.server.HttpConfiguration http, String bind) {
        if (tls == null) {
            return null;
        }
        org.eclipse.jetty.server.HttpConfiguration secure = new org.eclipse.jetty.server.HttpConfiguration(http);
        org.eclipse.jetty.server.SecureRequestCustomizer customizer = new org.eclipse.jetty.server.SecureRequestCustomizer();
        customizer.setSniHostCheck(false); // the nodes dial the host in cluster.peers, which the client checks
        secure.addCustomizer(customizer);
        org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(jetty,
                new org.eclipse.jetty.server.SslConnectionFactory(tls.server(), "http/1.1"),
                new org.eclipse.jetty.server.HttpConnectionFactory(secure));
        c.setHost(bind);
        c.setPort(peers.get(settings.nodeId()).httpPort());
        jetty.addConnector(c);
        return c;
    }

    /** The port {@code /cluster/} answers on: the nodes' own with {@code cluster.tls.*}, else any (-1). */
    int peerEndpointsPort() {
        return tls == null ? -1 : peers.get(settings.nodeId()).httpPort();
    }

    /** True when the nodes speak mutual TLS to each other ({@code cluster.tls.*}). */
    boolean tlsBetweenNodes() {
        return tls != null;
    }

    /** For forwarded requests: Jetty's client TLS when the nodes speak it, else null. */
    org.eclipse.jetty.util.ssl.SslContextFactory.Client forwardingTls() {
        return tls == null ? null : tls.client();
    }

    /** The WebDAV locks, replicated as entries of the same log (every front end's LockStore in cluster mode). */
    public dev.davit.lock.LockStore locks() {
        return locks;
    }

    public String nodeId() {
        return settings.nodeId();
    }

    private DivisionInfo info() throws IOException {
        return server.getDivision(GROUP_ID).getInfo();
    }

    /**
     * True when this node leads and has applied every entry committed before its term (its first entry of the
     * term is applied): it then serves requests itself, reads included (they see every acknowledged write).
     */
    public boolean servesLocally() {
        if (closed) {
            return false;
        }
        try {
            DivisionInfo info = info();
            return info.isLeader() && info.isLeaderReady()
                    && stateMachine.getLastAppliedTermIndex().getTerm() == info.getCurrentTerm();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Why this node stopped taking part in the cluster (it could not apply a committed entry: it left the group
     * rather than go on without it), or null; it answers 503 until it is fixed and restarted.
     */
    public String stoppedBecause() {
        return stoppedBecause;
    }

    /** On the state machine's thread: the Raft server is closed on another (closing waits for that thread). */
    private void stopTakingPart(String why) {
        stoppedBecause = why;
        try {
            leadingTasks.execute(() -> {
                try {
                    server.close();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cluster: closing the Raft server after a failed entry: {}", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing anyway
        }
    }

    /** The first index this node's Raft log still holds (entries before it were deleted after a snapshot). */
    public long logStartIndex() throws IOException {
        return server.getDivision(GROUP_ID).getRaftLog().getStartIndex();
    }

    /** The index of the last entry in this node's Raft log (committed or not), or -1 when it is empty. */
    public long logLastIndex() throws IOException {
        org.apache.ratis.server.protocol.TermIndex last = server.getDivision(GROUP_ID).getRaftLog().getLastEntryTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    /** The index of this node's latest Raft snapshot, or -1. */
    public long snapshotIndex() throws IOException {
        ClusterSnapshot s = stateMachine.snapshots().latest();
        return s == null ? -1 : s.index();
    }

    /** The index of the last entry this node applied. */
    public long appliedIndex() {
        return stateMachine.getLastAppliedTermIndex().getIndex();
    }

    /**
     * True when a majority confirmed, after this call began, that this node leads (Raft §6.4's read index,
     * asked of this node's own Raft server): with a valid leader lease at once, without one after a round of
     * heartbeats, waited for at most {@link #CONFIRM_MILLIS}. Every acknowledged write was applied on the leader
     * before its answer, so a leader that confirms it still leads has applied every write acknowledged so far:
     * a request it serves then reads no stale state. Call after {@link #servesLocally}.
     */
    public boolean confirmsLeadership() {
        try {
            RaftServer.Division division = server.getDivision(GROUP_ID);
            if (!(division instanceof RaftServerAsynchronousProtocol rpc)) {
                return false;
            }
            CompletableFuture<ReadIndexReplyProto> reply = rpc.readIndexAsync(confirmRequest);
            ReadIndexReplyProto r = reply.getNow(null); // the lease: answered at once
            if (r == null) {
                r = reply.get(CONFIRM_MILLIS, TimeUnit.MILLISECONDS);
            }
            return r.getServerReply().getSuccess();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    /** True while this node's Raft member runs (false once closed, or stopped after a failed entry). */
    public boolean takesPart() {
        try {
            return !closed && info().isAlive();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The leader this node knows of (possibly itself), or null (none, or this node's Raft member stopped). */
    public DavitConfig.Cluster.Peer leader() {
        try {
            DivisionInfo info = info();
            if (!info.isAlive()) {
                return null; // it remembers the last leader it knew
            }
            RaftPeerId id = info.getLeaderId();
            return id == null ? null : peers.get(id.toString());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void checkLeading() {
        boolean now = servesLocally();
        if (now && leading.compareAndSet(false, true)) {
            try {
                leadingTasks.execute(() -> {
                    try {
                        whenLeading.run();
                    } catch (RuntimeException e) {
                        LOG.warn("cluster: the start of leading failed: {}", e.toString());
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        } else if (!now && leading.get()) {
            try {
                if (!info().isLeader()) {
                    leading.set(false);
                }
            } catch (IOException e) {
                leading.set(false);
            }
        }
    }

    @Override
    public long maxRecordBytes() {
        return MAX_RECORD_BYTES;
    }

    @Override
    public void commit(GitRepository repo, CommitLog.Record record, List<WriteKey.Commit> keys, List<ObjectId> outside)
            throws IOException {
        String outcome = submit(new ReplicatedEntry(repo.owner(), repo.name(), record, keys, clock.millis(), outside).encode());
        if (!RepositoryStateMachine.APPLIED.equals(outcome)) {
            // Built on a head that an earlier entry (another leader's) had replaced: refused on every node alike.
            throw new NotCommittedException("the cluster's leader changed while this write was under way");
        }
    }

    /**
     * To the other nodes, returning once a majority of all nodes (this one, which has it, counted) holds the blob
     * durably ({@link BlobTransfer#ship}).
     */
    @Override
    public void shipBlob(GitRepository repo, ObjectId id) throws IOException {
        List<DavitConfig.Cluster.Peer> others = new ArrayList<>();
        for (DavitConfig.Cluster.Peer p : peers.values()) {
            if (!p.id().equals(settings.nodeId())) {
                others.add(p);
            }
        }
        int majority = peers.size() / 2 + 1;
        blobs.ship(repo, id, others, majority - 1); // this node holds it already
    }

    /**
     * A blob that an entry to apply names and this node lacks (it missed its shipping): from the leader this node
     * knows of first (it had it before the entry), then from the others; a few rounds, as a node may be restarting.
     */
    private void fetchBlob(GitRepository repo, ObjectId id) throws IOException {
        IOException last = null;
        for (int round = 0; round < FETCH_ROUNDS && !closed; round++) {
            List<DavitConfig.Cluster.Peer> from = new ArrayList<>();
            DavitConfig.Cluster.Peer leader = leader();
            if (leader != null && !leader.id().equals(settings.nodeId())) {
                from.add(leader);
            }
            for (DavitConfig.Cluster.Peer p : peers.values()) {
                if (!p.id().equals(settings.nodeId()) && !from.contains(p)) {
                    from.add(p);
                }
            }
            try {
                blobs.fetch(repo, id, from);
                LOG.info("cluster: fetched the blob {} of {}/{}, which this node had missed", id.name(), repo.owner(), repo.name());
                return;
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                if (round == FETCH_ROUNDS - 1) {
                    break;
                }
                LOG.warn("cluster: {}; trying again in {} s", e.getMessage(), FETCH_PAUSE_SECONDS);
                try {
                    TimeUnit.SECONDS.sleep(FETCH_PAUSE_SECONDS); // a back-off on the applying thread, which has nothing else to do
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while fetching the blob " + id.name());
                }
            }
        }
        throw last != null ? last : new IOException("this node is closing");
    }

    @Override
    public boolean commitSide(GitRepository repo, SideFiles.Change change) throws IOException {
        return Boolean.parseBoolean(submit(new SideEntry(repo.owner(), repo.name(), change.at(clock.millis())).encode()));
    }

    @Override
    public void commitNote(GitRepository repo, String kind, byte[] note) throws IOException {
        submit(new NoteEntry(repo.owner(), repo.name(), kind, note).encode());
    }

    @Override
    public void commitAnswer(WriteKey key, byte[] answer) throws IOException {
        submit(new AnswerEntry(key, answer, clock.millis()).encode());
    }

    /**
     * Submits one entry to this node's Raft server and returns the state machine's answer once the entry is
     * committed on a majority and applied here.
     *
     * @throws NotCommittedException when that is not known within the commit time-out, or this node does not lead
     */
    String submit(byte[] data) throws IOException {
        // Straight to this node's own server, never through a client that retries elsewhere: a node that does
        // not lead (any more) gets NotLeaderException, and its writer a 503.
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(server.getId())
                .setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(data)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        RaftClientReply reply;
        try {
            reply = server.submitClientRequestAsync(request).get(settings.commitTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new NotCommittedException("not committed on a majority of the cluster's nodes within "
                    + settings.commitTimeoutMillis() + " ms");
        } catch (ExecutionException e) {
            throw new NotCommittedException("the cluster did not commit this write: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotCommittedException("interrupted while the cluster committed this write");
        }
        if (!reply.isSuccess()) {
            throw new NotCommittedException("the cluster did not commit this write: " + reply.getException(), reply.getException());
        }
        return reply.getMessage().getContent().toStringUtf8();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        leadingTasks.shutdownNow();
        catchUpThread.shutdownNow();
        server.close();
    }
}
