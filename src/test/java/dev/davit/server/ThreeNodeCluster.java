package dev.davit.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import dev.davit.config.ConfigLoader;
import dev.davit.storage.NotFoundException;
import dev.davit.testutil.Conditions;
import dev.davit.testutil.TestServer;
import dev.davit.testutil.FreePorts;

/**
 * Three real servers in cluster mode on loopback (as in {@link ClusterServerTest}), spoken to over HTTP with a
 * real client by node number (1 to 3), with the sample repository {@code demo/sample}; a node can be stopped
 * and started again on its folder.
 */
final class ThreeNodeCluster implements AutoCloseable {
    private final FreePorts ports = new FreePorts();
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    private final List<Integer> httpPorts = new ArrayList<>();
    /** By node number - 1; null once stopped. */
    private final List<DavitServer> servers = new ArrayList<>();
    /** Each node's HTTP port in cluster.peers, by node number - 1 (the users' port unless apart). */
    private final List<Integer> nodePorts = new ArrayList<>();
    /** Each node's settings, by node number - 1. */
    private final List<Properties> settings = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    ThreeNodeCluster(Path tmp) throws Exception {
        this(tmp, new Properties(), false);
    }

    /**
     * @param extra        settings of every node on top of the usual ones
     * @param ownNodePorts the nodes' HTTP ports in {@code cluster.peers} apart from the users' ports (as mutual TLS
     *                     between the nodes needs); else the same
     */
    ThreeNodeCluster(Path tmp, Properties extra, boolean ownNodePorts) throws Exception {
        Path sample = tmp.resolve("sample");
        Files.createDirectories(sample);
        Files.writeString(sample.resolve("README.md"), "# sample\n");
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            int httpPort = ports.next();
            httpPorts.add(httpPort);
            int nodePort = ownNodePorts ? ports.next() : httpPort;
            nodePorts.add(nodePort);
            peers.append(i > 1 ? "," : "").append("n").append(i).append("@127.0.0.1:").append(ports.next()).append(':').append(nodePort);
        }
        for (int i = 1; i <= 3; i++) {
            Properties p = new Properties();
            p.setProperty("server.bind", "127.0.0.1");
            p.setProperty("server.port", Integer.toString(httpPorts.get(i - 1)));
            p.setProperty("data.dir", tmp.resolve("n" + i).toString());
            p.setProperty("sample.repository", "demo/sample");
            p.setProperty("sample.source", sample.toString());
            p.setProperty("user.demo.password", TestServer.PASSWORD);
            p.setProperty("user.demo.access", "*:rw");
            p.setProperty("cluster.enabled", "true");
            p.setProperty("cluster.node.id", "n" + i);
            p.setProperty("cluster.peers", peers.toString());
            p.setProperty("cluster.secret", "a-test-secret-of-the-nodes");
            p.putAll(extra);
            settings.add(p);
            try {
                DavitServer s = new DavitServer(ConfigLoader.fromProperties(p));
                servers.add(s);
                s.start();
            } catch (Exception | Error e) {
                close();
                throw e;
            }
        }
    }

    /**
     * Waits until a node leads and node {@code n} knows it (so that {@code n} serves or forwards requests
     * instead of answering 503), and returns the leader's number.
     */
    int leaderKnownBy(int n) {
        int leader = leader();
        String id = node(leader).cluster().nodeId();
        await("n" + n + " knows the leader n" + leader, () -> {
            dev.davit.config.DavitConfig.Cluster.Peer known = node(n).cluster().leader();
            return known != null && known.id().equals(id) && node(leader).cluster().servesLocally();
        });
        return leader;
    }


    static void await(String what, BooleanSupplier condition) {
        Conditions.await(what, DEADLINE_NANOS, condition);
    }

    /** Waits until a node leads and has imported the sample repository. */
    void awaitSample() {
        await("a leader with the sample imported", () -> {
            for (DavitServer s : running()) {
                if (s.cluster().servesLocally()) {
                    try {
                        return s.repositories().open("demo", "sample").headId() != null;
                    } catch (IOException | NotFoundException e) {
                        return false;
                    }
                }
            }
            return false;
        });
    }

    List<DavitServer> running() {
        return servers.stream().filter(java.util.Objects::nonNull).toList();
    }

    /** The node number of the node that serves requests itself now, waiting for one. */
    int leader() {
        int[] found = new int[1];
        await("a leader that has applied the log", () -> {
            for (int i = 0; i < servers.size(); i++) {
                if (servers.get(i) != null && servers.get(i).cluster().servesLocally()) {
                    found[0] = i + 1;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** A running node that does not lead. */
    int follower() {
        int leader = leader();
        for (int i = 1; i <= servers.size(); i++) {
            if (i != leader && servers.get(i - 1) != null) {
                return i;
            }
        }
        throw new AssertionError("no follower");
    }

    DavitServer node(int n) {
        return servers.get(n - 1);
    }

    /** Stops node {@code n} (its Raft member, HTTP and repositories), as a crash would to its clients. */
    void stop(int n) throws Exception {
        DavitServer s = servers.set(n - 1, null);
        s.close();
    }

    /** Node {@code n}'s HTTP port in {@code cluster.peers}: where the other nodes reach it. */
    int nodePort(int n) {
        return nodePorts.get(n - 1);
    }

    /** Starts node {@code n}, stopped before, again on its folder. */
    void restart(int n) throws Exception {
        DavitServer s = new DavitServer(ConfigLoader.fromProperties(settings.get(n - 1)));
        try {
            s.start();
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
        servers.set(n - 1, s);
    }

    /** A PUT of {@code body} to {@code path} in demo/sample through node {@code node}. */
    HttpResponse<String> put(int node, String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + "/dav/demo/sample/" + path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Node {@code n}'s head of demo/sample, from its own repository (not through the leader), or null. */
    org.eclipse.jgit.lib.ObjectId head(int n) {
        try {
            return node(n).repositories().open("demo", "sample").headId();
        } catch (IOException | NotFoundException e) {
            return null;
        }
    }

    /**
     * The SHA-256 of the bytes of {@code path} read from node {@code n}'s repository on disk, once its branch there is
     * {@code head} (so the node holds the file itself, whoever serves reads).
     */
    String sha256OnDisk(int n, org.eclipse.jgit.lib.ObjectId head, String path) throws Exception {
        dev.davit.storage.GitRepository repo = node(n).repositories().open("demo", "sample");
        await("n" + n + "'s repository on disk at " + head.name(), () -> {
            try {
                return head.equals(repo.disk().resolve(dev.davit.storage.GitRepository.BRANCH));
            } catch (IOException e) {
                return false;
            }
        });
        try (org.eclipse.jgit.lib.ObjectReader reader = repo.jgit().newObjectReader();
             org.eclipse.jgit.revwalk.RevWalk rw = new org.eclipse.jgit.revwalk.RevWalk(reader)) {
            org.eclipse.jgit.treewalk.TreeWalk tw = org.eclipse.jgit.treewalk.TreeWalk.forPath(reader, path, rw.parseCommit(head).getTree());
            if (tw == null) {
                throw new AssertionError(path + " is not in n" + n + "'s tree at " + head.name());
            }
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            try (java.io.InputStream in = reader.open(tw.getObjectId(0)).openStream()) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, r);
                }
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        }
    }

    HttpResponse<String> dav(int node, String method, String path, String body, String... headers) throws Exception {
        return send(node, method, "/dav/demo/sample/" + path, body, headers);
    }

    HttpResponse<String> api(int node, String method, String path, String body, String... headers) throws Exception {
        return send(node, method, "/api/repos/demo/sample/" + path, body, headers);
    }

    private HttpResponse<String> send(int node, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(node - 1) + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        for (DavitServer s : running()) {
            s.close();
        }
    }
}
