package dev.davit.cluster;

import dev.davit.testutil.Conditions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.config.DavitConfig;
import dev.davit.lock.Lock;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.KeyedWrites;
import dev.davit.storage.NotCommittedException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.storage.SideFiles;
import dev.davit.storage.WriteKey;
import dev.davit.storage.WriteResult;
import dev.davit.testutil.FreePorts;

/**
 * Three real Ratis servers in this JVM on loopback, each with its own repositories in a temporary folder:
 * what the leader commits appears on every node with the same head, a node that was down catches up from
 * the Raft log, and without a majority nothing is acknowledged.
 */
class ClusterReplicationTest {
    private final FreePorts ports = new FreePorts();
    private static final Identity ALICE = new Identity("Alice", "alice@example.org");
    /** Generous: three Raft servers and their elections share two busy cores with other work. */
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @TempDir
    Path tmp;

    private final List<Node> nodes = new ArrayList<>();

    /** One node: its repositories and its Raft member, restartable on the same folders. */
    private final class Node {
        final String id;
        final DavitConfig.Cluster settings;
        Repositories repositories;
        ClusterNode cluster;

        Node(String id, DavitConfig.Cluster settings) {
            this.id = id;
            this.settings = settings;
        }

        void start() throws IOException {
            repositories = new Repositories(tmp.resolve(id).resolve("data"), true, 0);
            cluster = ClusterNode.start(settings, tmp.resolve(id).resolve("raft"), repositories, java.time.Clock.systemUTC(), () -> { });
        }

        void stop() throws IOException {
            try {
                cluster.close();
            } finally {
                repositories.close();
                cluster = null;
                repositories = null;
            }
        }

        boolean running() {
            return cluster != null;
        }

        /** This node's head of o/r, or null while it has no such repository or no commit. */
        ObjectId head() throws IOException {
            try {
                return repositories.open("o", "r").headId();
            } catch (NotFoundException e) {
                return null;
            }
        }
    }

    private void startThree(long commitTimeoutMillis) throws IOException {
        startThree(commitTimeoutMillis, DavitConfig.Cluster.DEFAULT_SNAPSHOT_ENTRIES, DavitConfig.Cluster.DEFAULT_SEGMENT_BYTES);
    }

    private void startThree(long commitTimeoutMillis, long snapshotEntries, long segmentBytes) throws IOException {
        startThree(commitTimeoutMillis, snapshotEntries, segmentBytes, null);
    }

    private void startThree(long commitTimeoutMillis, long snapshotEntries, long segmentBytes, DavitConfig.Cluster.RaftTls tls)
            throws IOException {
        List<DavitConfig.Cluster.Peer> peers = new ArrayList<>();
        for (String id : List.of("n1", "n2", "n3")) {
            peers.add(new DavitConfig.Cluster.Peer(id, "127.0.0.1", ports.next(), ports.next()));
        }
        for (DavitConfig.Cluster.Peer p : peers) {
            nodes.add(new Node(p.id(), new DavitConfig.Cluster(true, p.id(), peers, null, commitTimeoutMillis,
                    "a-test-secret-of-the-nodes", snapshotEntries, segmentBytes, tls)));
        }
        for (Node n : nodes) {
            n.start();
        }
    }


    @AfterEach
    void stopAll() throws IOException {
        for (Node n : nodes) {
            if (n.running()) {
                n.stop();
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Conditions.await(what, DEADLINE_NANOS, condition);
    }

    private Node awaitLeader() {
        Node[] found = new Node[1];
        await("a leader that has applied the log", () -> {
            for (Node n : nodes) {
                if (n.running() && n.cluster.servesLocally()) {
                    found[0] = n;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static WriteResult<Void> put(Node leader, String path, String content) throws Exception {
        GitRepository repo = leader.repositories.createIfMissing("o", "r", null, ALICE);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ObjectId blob = repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        return repo.write(ALICE, "PUT " + path, edit -> {
            edit.putFile(RepoPath.parse(path), blob);
            return null;
        });
    }

    private void awaitHeadEverywhere(ObjectId head) {
        for (Node n : nodes) {
            await(n.id + " at head " + head.name(), () -> {
                try {
                    return head.equals(n.head());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    /** The bytes of {@code path} at the head of o/r on {@code n}'s repository on disk (the applier caught up first). */
    private static String read(Node n, String path) throws Exception {
        GitRepository repo = n.repositories.open("o", "r");
        // The head in memory (awaitHeadEverywhere) runs ahead of the disk's: its disk writer catches up first.
        repo.applyToDisk();
        try (ObjectReader reader = repo.jgit().newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            TreeWalk tw = TreeWalk.forPath(reader, path, rw.parseCommit(repo.disk().resolve(GitRepository.BRANCH)).getTree());
            assertThat(tw).as(path + " on " + n.id).isNotNull();
            return new String(reader.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void writesThroughTheLeaderAppearOnEveryNodeWithTheSameHead() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        put(leader, "a.txt", "one");
        ObjectId head = put(leader, "b.txt", "two").revision();

        awaitHeadEverywhere(head);
        for (Node n : nodes) {
            assertThat(read(n, "a.txt")).as("a.txt on " + n.id).isEqualTo("one");
            assertThat(read(n, "b.txt")).as("b.txt on " + n.id).isEqualTo("two");
        }
    }

    @Test
    void theLeadersLastModifiedIndexTakesItsOwnWritesFromTheirWriterNotFromTheHistory() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        put(leader, "a.txt", "one");
        GitRepository repo = leader.repositories.open("o", "r");
        repo.head().close(); // a read: the index is at the head from here on
        long walked = repo.indexWalkedCommits();

        put(leader, "b.txt", "two");
        put(leader, "c.txt", "three");
        try (dev.davit.storage.Snapshot s = repo.head()) {
            assertThat(s.revision()).isEqualTo(repo.headId());
        }

        // Each read after a write used to parse the write's commit again and walk its ancestry (~14% of a leader's
        // request samples under sequential PUTs): the entry applied on the leader now brings the writer's own.
        assertThat(repo.indexWalkedCommits()).as("commits the leader's index read back from the history").isEqualTo(walked);
    }

    @Test
    void aFollowerThatWasDownCatchesUpFromTheRaftLog() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        awaitHeadEverywhere(put(leader, "a.txt", "one").revision());
        Node follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.stop();

        // Two of three still make a majority.
        put(leader, "b.txt", "two");
        ObjectId head = put(leader, "c.txt", "three").revision();
        assertThat(leader.head()).isEqualTo(head);

        follower.start();
        awaitHeadEverywhere(head);
        assertThat(read(follower, "c.txt")).isEqualTo("three");
        assertThat(read(follower, "b.txt")).isEqualTo("two");
    }

    /**
     * A committed entry that one node cannot apply (here: its data folder holds a file where the entry's new
     * repository goes, as a damaged disk might): Ratis 3.2.2 logs the failure and goes on with the next entry,
     * so that node applied the later writes without the failed one and differed from the others for good. It
     * must stop instead, apply nothing after that entry, and once fixed and restarted apply it and catch up.
     */
    @Test
    void aNodeThatCannotApplyAnEntryStopsRatherThanGoOnWithoutIt() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        ObjectId first = put(leader, "a.txt", "one").revision();
        awaitHeadEverywhere(first);
        Node broken = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        Node other = nodes.stream().filter(n -> n != leader && n != broken).findFirst().orElseThrow();
        java.nio.file.Path blocker = tmp.resolve(broken.id).resolve("data").resolve("o").resolve("q.git");
        java.nio.file.Files.writeString(blocker, "not a repository");

        GitRepository q = leader.repositories.createIfMissing("o", "q", null, ALICE);
        byte[] bytes = "into q".getBytes(StandardCharsets.UTF_8);
        ObjectId blob = q.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        ObjectId inQ = q.write(ALICE, "PUT x.txt", edit -> {
            edit.putFile(RepoPath.parse("x.txt"), blob);
            return null;
        }).revision();
        ObjectId later = put(leader, "b.txt", "two").revision();
        await(other.id + " at the later write", () -> {
            try {
                return later.equals(other.head());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        await(broken.id + " stopped taking part", () -> broken.cluster.stoppedBecause() != null);
        assertThat(broken.cluster.stoppedBecause()).contains("log entry");
        await(broken.id + "'s Raft member closed", () -> !broken.cluster.takesPart());
        assertThat(broken.cluster.leader()).as("the leader " + broken.id + " knows of once closed").isNull();
        assertThat(broken.head()).as("o/r on " + broken.id + ": no write after the one it could not apply").isEqualTo(first);

        broken.stop();
        java.nio.file.Files.delete(blocker);
        broken.start();
        awaitHeadEverywhere(later);
        await(broken.id + " with o/q", () -> {
            try {
                return inQ.equals(broken.repositories.open("o", "q").headId());
            } catch (IOException | NotFoundException e) {
                return false;
            }
        });
        assertThat(broken.cluster.stoppedBecause()).isNull();
    }

    /** About 4 KiB of text no other file has (so every write is an entry of a few KiB). */
    private static String unique(int i) {
        return ("file " + i + " ").repeat(512);
    }

    @Test
    void snapshotsTrimTheRaftLogAndARestartedNodeComesBackFromItsSnapshotWithTheLocks() throws Exception {
        // A snapshot every 10 entries, the log in files of 64 KiB: 60 writes of ~5 KiB take several files.
        startThree(30_000, 10, 64 * 1024);
        Node leader = awaitLeader();
        Lock lock = leader.cluster.locks().create(new Lock("opaquelocktoken:snapshot-test", "o/r", "locked.txt", Lock.Scope.EXCLUSIVE,
                false, "alice", "", 3600, java.time.Instant.now().plusSeconds(3600), false));
        ObjectId head = null;
        for (int i = 0; i < 60; i++) {
            head = put(leader, "f" + i + ".txt", unique(i)).revision();
        }
        awaitHeadEverywhere(head);
        for (Node n : nodes) {
            // Every node snapshots and trims its own log: the entries of the lock and of the first writes are gone.
            await(n.id + " trimmed its Raft log after a snapshot", () -> {
                try {
                    return n.cluster.snapshotIndex() >= 30 && n.cluster.logStartIndex() > 10;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        Node follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.stop();
        follower.start();

        assertThat(follower.cluster.logStartIndex()).as("the restarted node's log, trimmed before").isGreaterThan(10);
        awaitHeadEverywhere(head);
        assertThat(read(follower, "f0.txt")).isEqualTo(unique(0));
        // The lock's entry is no longer in any log: it came back from the snapshot file.
        assertThat(follower.cluster.locks().get("o/r", lock.token())).as("the lock on the restarted " + follower.id).contains(lock);
    }

    @Test
    void aKeyedWritesKeyIsKnownOnEveryNodeAndAgainAfterARestart() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        GitRepository repo = leader.repositories.createIfMissing("o", "r", null, ALICE);
        byte[] bytes = "keyed".getBytes(StandardCharsets.UTF_8);
        ObjectId blob = repo.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        WriteKey key = new WriteKey("alice\no/r\nk-1", "PUT /a.txt\nabc");
        ObjectId commit = repo.write(ALICE, ALICE, "PUT a.txt", key, edit -> {
            edit.putFile(RepoPath.parse("a.txt"), blob);
            return null;
        }).revision();
        awaitHeadEverywhere(commit);
        for (Node n : nodes) {
            await(n.id + " knows the key with its commit", () -> {
                KeyedWrites.Outcome o = n.repositories.keyedWrites().get(key.id());
                return o != null && o.commits().equals(List.of(commit)) && o.fingerprint().equals(key.fingerprint());
            });
        }

        // Replayed from the Raft log at start, the entry finds the head moved past it, and its key counts all the same.
        Node follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.stop();
        follower.start();
        await(follower.id + " knows the key again after its restart", () -> {
            KeyedWrites.Outcome o = follower.repositories.keyedWrites().get(key.id());
            return o != null && o.commits().equals(List.of(commit));
        });
    }

    /** {@code path} kept aside in o/r on {@code n}'s own disk, as text, or null. */
    private static String aside(Node n, String path) throws Exception {
        SideFiles files = n.repositories.open("o", "r").sideFiles();
        if (files.get(RepoPath.parse(path)).isEmpty()) {
            return null;
        }
        try (java.io.InputStream in = files.open(RepoPath.parse(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void awaitAside(Node n, String path, String content) {
        await(path + " kept aside on " + n.id + " as " + content, () -> {
            try {
                return java.util.Objects.equals(aside(n, path), content);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void filesKeptAsideThroughTheLeaderAreOnEveryNodeAndAFollowerThatWasDownCatchesUp() throws Exception {
        startThree(30_000);
        Node leader = awaitLeader();
        awaitHeadEverywhere(put(leader, "a.txt", "one").revision());
        SideFiles files = leader.repositories.open("o", "r").sideFiles();
        files.put(RepoPath.parse(".DS_Store"), new ByteArrayInputStream("v1".getBytes(StandardCharsets.UTF_8)));
        for (Node n : nodes) {
            awaitAside(n, ".DS_Store", "v1");
        }
        Node follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.stop();

        files.put(RepoPath.parse(".DS_Store"), new ByteArrayInputStream("v2".getBytes(StandardCharsets.UTF_8)));
        files.put(RepoPath.parse("._a.txt"), new ByteArrayInputStream("apple double".getBytes(StandardCharsets.UTF_8)));
        files.move(RepoPath.parse("._a.txt"), RepoPath.parse("._b.txt"));
        follower.start();

        awaitAside(follower, ".DS_Store", "v2");
        awaitAside(follower, "._b.txt", "apple double");
        assertThat(aside(follower, "._a.txt")).isNull();
        assertThat(follower.repositories.open("o", "r").sideFiles().get(RepoPath.parse(".DS_Store")))
                .as("the same version and time as the leader's").isEqualTo(files.get(RepoPath.parse(".DS_Store")));
    }

    @Test
    void withoutAMajorityAWriteIsNotAcknowledged() throws Exception {
        startThree(3_000);
        Node leader = awaitLeader();
        ObjectId before = put(leader, "a.txt", "one").revision();
        awaitHeadEverywhere(before);
        for (Node n : nodes) {
            if (n != leader) {
                n.stop();
            }
        }

        assertThatThrownBy(() -> put(leader, "b.txt", "two"))
                .as("a write that only one of three nodes holds")
                .isInstanceOf(NotCommittedException.class);
        assertThat(leader.head()).as("nothing was published on the lone node").isEqualTo(before);
    }

    /**
     * Sends {@code data} as an entry to the group through {@code leader}'s Raft port as an outsider would, with
     * Ratis' own client (no retries), with {@code tls} or in plain; the exception it ends with, or null when the
     * entry was taken.
     */
    private static Throwable sendAsAnOutsider(Node leader, org.apache.ratis.grpc.GrpcTlsConfig tls, byte[] data) throws Exception {
        org.apache.ratis.conf.RaftProperties props = new org.apache.ratis.conf.RaftProperties();
        org.apache.ratis.RaftConfigKeys.Rpc.setType(props, org.apache.ratis.rpc.SupportedRpcType.GRPC);
        org.apache.ratis.conf.Parameters parameters = new org.apache.ratis.conf.Parameters();
        if (tls != null) {
            org.apache.ratis.grpc.GrpcConfigKeys.TLS.setConf(parameters, tls);
        }
        DavitConfig.Cluster.Peer p = leader.settings.peers().stream().filter(x -> x.id().equals(leader.id)).findFirst().orElseThrow();
        org.apache.ratis.protocol.RaftPeer peer = org.apache.ratis.protocol.RaftPeer.newBuilder().setId(p.id())
                .setAddress(p.host() + ":" + p.raftPort()).build();
        try (org.apache.ratis.client.RaftClient client = org.apache.ratis.client.RaftClient.newBuilder()
                .setRaftGroup(org.apache.ratis.protocol.RaftGroup.valueOf(ClusterNode.GROUP_ID, peer))
                .setLeaderId(peer.getId()).setProperties(props).setParameters(parameters)
                .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry()).build()) {
            client.async().send(org.apache.ratis.protocol.Message.valueOf(
                    org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(data))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void withMutualTlsTheNodesReplicateAndTheRaftPortTakesNoEntryFromAnyoneWithoutTheirCertificate() throws Exception {
        Path nodesKeys = dev.davit.testutil.Keystores.selfSigned(tmp.resolve("nodes.p12"), "nodes-pass", "davit-nodes");
        Path otherKeys = dev.davit.testutil.Keystores.selfSigned(tmp.resolve("other.p12"), "other-pass", "someone-else");
        DavitConfig.Cluster.RaftTls tls = new DavitConfig.Cluster.RaftTls(nodesKeys, "nodes-pass", nodesKeys, "nodes-pass");
        startThree(10_000, DavitConfig.Cluster.DEFAULT_SNAPSHOT_ENTRIES, DavitConfig.Cluster.DEFAULT_SEGMENT_BYTES, tls);
        Node leader = awaitLeader();

        ObjectId head = put(leader, "over-tls.txt", "replicated over mutual TLS").revision();
        awaitHeadEverywhere(head);
        for (Node n : nodes) {
            assertThat(read(n, "over-tls.txt")).as(n.id).isEqualTo("replicated over mutual TLS");
        }

        // An entry no node can apply would stop every node that applies it: none may reach the log.
        byte[] garbage = "not a Davit entry".getBytes(StandardCharsets.UTF_8);
        Throwable plain = sendAsAnOutsider(leader, null, garbage);
        DavitConfig.Cluster.RaftTls other = new DavitConfig.Cluster.RaftTls(otherKeys, "other-pass", otherKeys, "other-pass");
        Throwable wrongCertificate = sendAsAnOutsider(leader, NodeTls.load(other).grpc(), garbage);
        // Trusting the nodes' certificate is not enough: the nodes ask for the client's own (mutual TLS).
        DavitConfig.Cluster.RaftTls trustsNodes = new DavitConfig.Cluster.RaftTls(otherKeys, "other-pass", nodesKeys, "nodes-pass");
        Throwable ownCertificateUnknown = sendAsAnOutsider(leader, NodeTls.load(trustsNodes).grpc(), garbage);

        assertThat(plain).as("a client without TLS").isNotNull();
        assertThat(wrongCertificate).as("a client with another certificate, trusting only its own").isNotNull();
        assertThat(ownCertificateUnknown).as("a client that trusts the nodes, with a certificate they do not trust").isNotNull();
        ObjectId next = put(leader, "after.txt", "the nodes go on").revision();
        awaitHeadEverywhere(next);
        for (Node n : nodes) {
            assertThat(n.cluster.stoppedBecause()).as(n.id + " applied no entry from outside").isNull();
        }
    }
}
