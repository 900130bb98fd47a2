package dev.davit.cluster;

import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import dev.davit.config.DavitConfig;

/**
 * In front of every front end in cluster mode: the node that leads serves every request itself, once a majority
 * confirmed it still leads ({@link ClusterNode#confirmsLeadership}: with the leader lease, at once; else 503, so a
 * leader cut off from the others serves no stale read while it still believes it leads); any other
 * node forwards every request, reads included, to the leader with Jetty's reverse proxy (headers kept, the
 * Authorization header included, bodies streamed both ways). Forwarding reads too is the simplest correct way
 * to read one's writes through any node: the leader has applied every acknowledged write. Without a known,
 * reachable leader the answer is 503 with {@code Retry-After} (RFC 9110 §15.6.4): an election is under way.
 * {@code /healthz}, {@code /metrics} and {@code /cluster/} ({@link PeerEndpoints}) are this node's own
 * ({@code /healthz} names the leader this node knows of).
 */
public final class LeaderForwarding extends Handler.Wrapper {
    /** Set on a forwarded request: a node never forwards one twice (two nodes that each think the other leads). */
    static final String FORWARDED_BY = "X-Davit-Forwarded-By";
    /** On {@code /healthz}: the leader this node knows of (empty: none), and this node's id. */
    static final String LEADER_HEADER = "X-Davit-Cluster-Leader";
    static final String NODE_HEADER = "X-Davit-Cluster-Node";
    private static final String LEADER_ATTRIBUTE = LeaderForwarding.class.getName() + ".leader";

    private final ClusterNode node;
    private final ProxyHandler.Reverse proxy;

    public LeaderForwarding(ClusterNode node, Handler local) {
        super(local);
        this.node = node;
        this.proxy = new ProxyHandler.Reverse(request -> toLeader(node, request)) {
            @Override
            protected org.eclipse.jetty.client.HttpClient newHttpClient() {
                // With mutual TLS between the nodes: this node's certificate shown, the leader's checked.
                org.eclipse.jetty.util.ssl.SslContextFactory.Client tls = node.forwardingTls();
                if (tls == null) {
                    return super.newHttpClient();
                }
                org.eclipse.jetty.io.ClientConnector connector = new org.eclipse.jetty.io.ClientConnector();
                connector.setSslContextFactory(tls);
                return new org.eclipse.jetty.client.HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportDynamic(connector));
            }

            @Override
            protected void addProxyHeaders(Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
                super.addProxyHeaders(clientToProxy, proxyToServer);
                proxyToServer.headers(h -> h.put(FORWARDED_BY, node.nodeId()));
            }

            @Override
            protected void onServerToProxyResponseFailure(Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer,
                                                          org.eclipse.jetty.client.Response serverToProxy, Response proxyToClient,
                                                          Callback callback, Throwable failure) {
                if (proxyToClient.isCommitted()) {
                    super.onServerToProxyResponseFailure(clientToProxy, proxyToServer, serverToProxy, proxyToClient, callback, failure);
                } else {
                    // The leader died or cannot be reached: an election follows; 503, not the proxy's 502.
                    unavailable(proxyToClient, callback, "the cluster's leader did not answer (" + failure + ")");
                }
            }
        };
        addBean(proxy);
    }

    private static HttpURI toLeader(ClusterNode node, Request request) {
        DavitConfig.Cluster.Peer leader = (DavitConfig.Cluster.Peer) request.getAttribute(LEADER_ATTRIBUTE);
        return HttpURI.build(request.getHttpURI()).scheme(node.tlsBetweenNodes() ? "https" : "http")
                .host(leader.host()).port(leader.httpPort());
    }

    @Override
    public void setServer(Server server) {
        super.setServer(server);
        proxy.setServer(server);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path.equals("/healthz")) {
            // Which node leads, as this node knows it (operators and interop/cluster.sh look here).
            DavitConfig.Cluster.Peer leader = node.leader();
            response.getHeaders().put(LEADER_HEADER, leader == null ? "" : leader.id());
            response.getHeaders().put(NODE_HEADER, node.nodeId());
        }
        // /cluster/: what nodes ask each other, answered by the node asked (a catch-up reads one node only).
        if (path.equals("/healthz") || path.equals("/metrics") || path.startsWith(PeerEndpoints.PREFIX)) {
            return super.handle(request, response, callback);
        }
        String stopped = node.stoppedBecause();
        if (stopped != null) {
            unavailable(response, callback, "this node stopped taking part in the cluster (" + stopped
                    + "); the others go on without it until it is fixed and restarted");
            return true;
        }
        if (node.servesLocally()) {
            // A leader cut off from the others still believes it leads for a few seconds; it serves nothing it
            // cannot confirm with a majority (with the lease: at once), so no read is stale (README: Cluster mode).
            if (node.confirmsLeadership()) {
                return super.handle(request, response, callback);
            }
            unavailable(response, callback, "this node leads but a majority of the cluster did not confirm it (cut off?)");
            return true;
        }
        DavitConfig.Cluster.Peer leader = node.leader();
        if (leader == null || leader.id().equals(node.nodeId())) {
            unavailable(response, callback, "the cluster has no leader ready yet");
            return true;
        }
        if (request.getHeaders().contains(FORWARDED_BY)) {
            unavailable(response, callback, "forwarded here by " + request.getHeaders().get(FORWARDED_BY)
                    + ", but this node does not lead either");
            return true;
        }
        request.setAttribute(LEADER_ATTRIBUTE, leader);
        return proxy.handle(request, response, callback);
    }

    private static void unavailable(Response response, Callback callback, String why) {
        response.setStatus(503);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(dev.davit.storage.NotCommittedException.RETRY_AFTER_SECONDS));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, BufferUtil.toBuffer("503 Service Unavailable: " + why + "; try again in a moment\n", StandardCharsets.UTF_8), callback);
    }
}
