package dev.davit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import dev.davit.config.DavitConfig;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Repositories;
import dev.davit.storage.StorageException;

/**
 * A node that fell behind the start of the leader's Raft log (the entries it lacks were deleted after a
 * snapshot) catches up from the leader itself, over the leader's HTTP port ({@link PeerEndpoints}): first the
 * leader's latest snapshot file, at index P, then every repository it names, fetched with git smart HTTP, and
 * its state beside the history (files kept aside, notes: {@link BesideState}), which replaces this node's. The
 * leader's repositories hold at least every entry up to P (its snapshot claimed so only once they were durable),
 * so once fetched this node's do too; it stores the file as its own snapshot and Ratis sends it the entries after
 * P, which find the ones it already has in place and change nothing. The files kept aside and notes the peer has
 * are as of its last entry applied to each (Q, at least P), and come with that index: this node's stores skip the
 * entries up to Q, as after a restart, and apply those after it, so none is applied twice or missed. Nothing is
 * fetched while the file is read and the repositories are fetched from one node only, never from two.
 */
final class PeerCatchUp {
    private final Repositories repositories;
    private final String secret;
    private final java.util.function.Function<DavitConfig.Cluster.Peer, String> peerUrl;
    /** The nodes' mutual TLS, or null. */
    private final NodeTls tls;
    private final HttpClient http;

    /**
     * @param peerUrl where a node takes what the nodes send each other ({@link ClusterNode#peerUrl})
     * @param tls     the nodes' mutual TLS, or null
     */
    PeerCatchUp(Repositories repositories, String secret, java.util.function.Function<DavitConfig.Cluster.Peer, String> peerUrl,
                NodeTls tls) {
        this.repositories = repositories;
        this.secret = secret;
        this.peerUrl = peerUrl;
        this.tls = tls;
        this.http = NodeTls.httpClient(tls, Duration.ofSeconds(10));
    }

    /** Brings this node's repositories to at least {@code peer}'s latest snapshot; returns that snapshot file's bytes. */
    byte[] from(DavitConfig.Cluster.Peer peer) throws IOException {
        String base = peerUrl.apply(peer) + PeerEndpoints.PREFIX;
        HttpResponse<byte[]> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(base + "snapshot")).timeout(Duration.ofSeconds(60))
                    .header(PeerEndpoints.SECRET_HEADER, secret).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading " + peer.id() + "'s snapshot");
        }
        if (r.statusCode() != 200) {
            throw new IOException(peer.id() + " answered " + r.statusCode() + " for its snapshot: "
                    + new String(r.body(), StandardCharsets.UTF_8).trim()
                    + (r.statusCode() == 403 ? " (is cluster.secret the same on every node?)" : ""));
        }
        ClusterSnapshot snapshot = ClusterSnapshot.decode(r.body());
        for (String name : snapshot.repositories()) {
            int slash = name.indexOf('/');
            if (slash <= 0) {
                throw new IOException(peer.id() + "'s snapshot names a repository '" + name + "'");
            }
            GitRepository repo;
            try {
                repo = repositories.createIfMissing(name.substring(0, slash), name.substring(slash + 1), null, null);
            } catch (StorageException e) {
                throw new IOException(name + ": " + e.getMessage(), e);
            }
            repo.catchUpFrom(base + "git/" + name + ".git", Map.of(PeerEndpoints.SECRET_HEADER, secret),
                    tls == null ? null : tls.gitConnections());
            besideHistory(peer, base, name, repo);
        }
        return r.body();
    }

    /**
     * The peer's files kept aside and notes of {@code repo}, each with the index of the last entry it holds (at or
     * after the snapshot's: the peer applied it), in place of this node's: the entries after the snapshot that
     * they hold are then skipped, the later ones applied.
     */
    private void besideHistory(DavitConfig.Cluster.Peer peer, String base, String name, GitRepository repo) throws IOException {
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(base + "side/" + name)).timeout(Duration.ofSeconds(60))
                    .header(PeerEndpoints.SECRET_HEADER, secret).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading " + peer.id() + "'s state beside " + name);
        }
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                throw new IOException(peer.id() + " answered " + r.statusCode() + " for the state beside " + name + ": "
                        + new String(body.readNBytes(4096), StandardCharsets.UTF_8).trim());
            }
            BesideState.read(body, repositories, repo);
        }
    }
}
