package dev.davit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.config.DavitConfig;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotCommittedException;

/**
 * Large files beside the replicated log: a log entry holds its objects in memory on every node (16 MiB at
 * most), so a blob over a mebibyte goes to the other nodes before the entry that names it, straight from the
 * repository on disk to theirs ({@code PUT /cluster/blob/OWNER/NAME/ID}, {@link PeerEndpoints}), each stored
 * and fsynced there as an upload is before it answers. The entry is submitted only once a majority of nodes
 * (this one counted) holds the blob durably, so a committed entry never names a blob a majority lacks; a
 * node that missed it (down, slow, or in the minority) fetches it from another before it applies the entry
 * ({@code GET}, {@link #fetch}). A blob shipped for a write that then fails stays unnamed on the nodes that took
 * it, as a refused upload does on one node (git leaves such objects loose until a prune).
 *
 * <p>Why not gRPC streaming through Ratis (its "state machine data"): that keeps the data in Ratis' own log
 * files on every node, a second copy of every large file; here it lands once, where git keeps it.
 */
final class BlobTransfer {
    private static final Logger LOG = LoggerFactory.getLogger(BlobTransfer.class);
    /** Time allowed for a transfer beyond what its size takes at {@link #SLOWEST_BYTES_PER_SECOND}. */
    private static final Duration BASE_TIMEOUT = Duration.ofSeconds(30);
    private static final long SLOWEST_BYTES_PER_SECOND = 10L << 20;

    private final String secret;
    private final java.util.function.Function<DavitConfig.Cluster.Peer, String> peerUrl;
    private final HttpClient http;

    /**
     * @param peerUrl where a node takes what the nodes send each other ({@link ClusterNode#peerUrl})
     * @param tls     the nodes' mutual TLS, or null
     */
    BlobTransfer(String secret, java.util.function.Function<DavitConfig.Cluster.Peer, String> peerUrl, NodeTls tls) {
        this.secret = secret;
        this.peerUrl = peerUrl;
        this.http = NodeTls.httpClient(tls, Duration.ofSeconds(5));
    }

    private String url(DavitConfig.Cluster.Peer peer, GitRepository repo, ObjectId id) {
        return peerUrl.apply(peer) + PeerEndpoints.PREFIX + "blob/" + repo.owner() + "/" + repo.name() + "/" + id.name();
    }

    private static Duration timeout(long size) {
        return BASE_TIMEOUT.plusSeconds(size / SLOWEST_BYTES_PER_SECOND);
    }

    /**
     * Sends the blob {@code id} of {@code repo} (durable here) to every node of {@code others} at once and returns
     * when {@code needed} of them hold it durably; the transfers to the rest go on in the background. A node that
     * has it already answers before the bytes are sent ({@code Expect: 100-continue}).
     *
     * @throws NotCommittedException when fewer than {@code needed} took it
     */
    void ship(GitRepository repo, ObjectId id, List<DavitConfig.Cluster.Peer> others, int needed) throws IOException {
        if (needed <= 0) {
            return;
        }
        long size;
        try (GitRepository.SizedStream s = repo.openBlob(id)) {
            size = s.size();
        }
        CompletableFuture<Void> enough = new CompletableFuture<>();
        AtomicInteger took = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (DavitConfig.Cluster.Peer peer : others) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url(peer, repo, id)))
                    .timeout(timeout(size))
                    .expectContinue(true)
                    .header(PeerEndpoints.SECRET_HEADER, secret)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                        try {
                            return repo.openBlob(id).stream(); // one stream per node, closed by the publisher at its end
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }), size))
                    .build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, t) -> {
                if (t == null && r.statusCode() / 100 == 2) {
                    if (took.incrementAndGet() >= needed) {
                        enough.complete(null);
                    }
                    return;
                }
                String why = t != null ? t.toString() : r.statusCode() + " " + r.body().trim();
                failures.add(peer.id() + ": " + why);
                LOG.warn("cluster: {} did not take the blob {} of {}/{} ({})", peer.id(), id.name(), repo.owner(), repo.name(), why);
                if (others.size() - failed.incrementAndGet() < needed) {
                    enough.completeExceptionally(new IOException(String.join("; ", failures)));
                }
            });
        }
        try {
            enough.get();
        } catch (ExecutionException e) {
            throw new NotCommittedException("a file of " + size + " bytes reached too few of the cluster's nodes: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotCommittedException("interrupted while the cluster's nodes took a file");
        }
    }

    /**
     * Fetches the blob {@code id} into this node's {@code repo} from the first node of {@code from} that has it
     * (checked and fsynced as a shipped one).
     *
     * @throws IOException when none of them gave it
     */
    void fetch(GitRepository repo, ObjectId id, List<DavitConfig.Cluster.Peer> from) throws IOException {
        List<String> failures = new ArrayList<>();
        for (DavitConfig.Cluster.Peer peer : from) {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url(peer, repo, id)))
                        .timeout(BASE_TIMEOUT).header(PeerEndpoints.SECRET_HEADER, secret).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = r.body()) {
                    long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                    if (r.statusCode() != 200 || length < 0) {
                        failures.add(peer.id() + ": " + r.statusCode() + " "
                                + new String(body.readNBytes(4096), StandardCharsets.UTF_8).trim());
                        continue;
                    }
                    repo.receiveBlob(id, body, length);
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while fetching the blob " + id.name());
            } catch (IOException e) {
                failures.add(peer.id() + ": " + e);
            }
        }
        throw new IOException("no node gave the blob " + id.name() + " of " + repo.owner() + "/" + repo.name() + ": "
                + String.join("; ", failures));
    }
}
