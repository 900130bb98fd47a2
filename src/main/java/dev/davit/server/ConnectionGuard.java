package dev.davit.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two connection rules Jetty 12 has no setting for (issue 14): Jetty's idle timeout restarts with every
 * byte, so a client sending one header byte a second kept a connection forever (slowloris), and its
 * {@code ConnectionLimit}/{@code NetworkConnectionLimit} count all connections, not one client's.
 *
 * <ul>
 * <li><b>Header deadline</b>: a request's header section must be complete within {@code headerTimeout},
 * counted from the connection's opening for the first request and from the request's first byte for later
 * ones (between requests a kept-alive connection is idle, which Jetty's idle timeout governs). A sweep
 * every {@code sweep} looks at each HTTP/1 connection's parser and closes those past the deadline, so a
 * connection is closed between deadline and deadline + sweep.</li>
 * <li><b>Connections per client address</b>: a connection past {@code perAddress} from one address is
 * closed as soon as it opens, before a byte is read (no thread, no parsing).</li>
 * </ul>
 * Registered as a listener on the connectors; the sweep runs on the given scheduler.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /** When the header being waited for started to be waited for, and the request count then. */
    private record Watch(long requests, long since) {
    }

    private final int perAddress;
    private final long headerTimeoutNanos;
    private final long sweepNanos;
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;
    private final Map<InetAddress, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    /** The address each counted connection was counted under (a closed socket no longer tells it). */
    private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();
    private final Map<HttpConnection, Watch> watched = new ConcurrentHashMap<>();
    private volatile Scheduler.Task next;

    /**
     * @param perAddress    open connections per client address (0: no limit)
     * @param headerTimeout nanoseconds a request's header section may take
     * @param scheduler     runs the sweep
     * @param nanoTime      the monotonic clock ({@code System::nanoTime})
     */
    ConnectionGuard(int perAddress, long headerTimeout, Scheduler scheduler, LongSupplier nanoTime) {
        this.perAddress = perAddress;
        this.headerTimeoutNanos = headerTimeout;
        this.sweepNanos = Math.min(TimeUnit.SECONDS.toNanos(1), Math.max(TimeUnit.MILLISECONDS.toNanos(50), headerTimeout / 4));
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            watched.put(http, new Watch(0, nanoTime.getAsLong()));
        }
        InetAddress address = socketAddress(connection);
        if (address == null || perAddress <= 0) {
            return;
        }
        counted.put(connection, address);
        int open = byAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (open > perAddress) {
            // Dropped rather than answered: an answer would cost a write for every connection a flood opens.
            LOG.debug("connection {} closed: {} open from {} (server.connections.per.address={})", connection, open, address, perAddress);
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof HttpConnection http) {
            watched.remove(http);
        }
        InetAddress address = counted.remove(connection);
        if (address == null) {
            return;
        }
        byAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /**
     * The client address of a connection on a socket (plain HTTP or the TLS layer), null for the HTTP
     * layer above TLS (its endpoint is the decrypted one: counted once, at the socket) and in-process ones.
     */
    private static InetAddress socketAddress(Connection connection) {
        if (!(connection.getEndPoint() instanceof SocketChannelEndPoint)) {
            return null;
        }
        SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /** Closes the connections whose header section is late; public for the lifecycle only. */
    void sweep() {
        long now = nanoTime.getAsLong();
        for (Map.Entry<HttpConnection, Watch> e : watched.entrySet()) {
            HttpConnection c = e.getKey();
            long requests = c.getMessagesIn();
            HttpParser parser = c.getParser();
            // Read from another thread than the parser's: a stale value only moves the close by a sweep.
            boolean awaitingHeader = parser.inHeaderState() && (requests == 0 || !parser.isStart());
            Watch w = e.getValue();
            if (!awaitingHeader) {
                if (w.since() != Long.MIN_VALUE) {
                    watched.replace(c, new Watch(requests, Long.MIN_VALUE));
                }
            } else if (w.since() == Long.MIN_VALUE || w.requests() != requests) {
                watched.replace(c, new Watch(requests, now));
            } else if (now - w.since() >= headerTimeoutNanos) {
                LOG.debug("connection {} closed: request header not complete within {} ms", c,
                        TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos));
                watched.remove(c);
                c.getEndPoint().close();
            }
        }
    }

    @Override
    protected void doStart() {
        schedule();
    }

    private void schedule() {
        next = scheduler.schedule(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warn("connection sweep failed", e);
            }
            if (isRunning()) {
                schedule();
            }
        }, sweepNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = next;
        if (t != null) {
            t.cancel();
        }
    }
}
