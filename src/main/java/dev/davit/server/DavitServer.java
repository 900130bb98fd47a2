package dev.davit.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import dev.davit.auth.FailedLoginLimiter;
import dev.davit.cluster.ClusterNode;
import dev.davit.cluster.LeaderForwarding;
import dev.davit.os.LowPriorityThreads;
import dev.davit.auth.PasswordChecks;
import dev.davit.auth.UserStore;
import dev.davit.config.DavitConfig;
import dev.davit.dav.DavServlet;
import dev.davit.dav.DavSettings;
import dev.davit.dav.ClientMetadata;
import dev.davit.dav.DavMount;
import dev.davit.dav.SyncApiServlet;
import dev.davit.dav.UploadFolders;
import dev.davit.dav.SyncHomes;
import dev.davit.githttp.GitHttpServlet;
import dev.davit.web.WebUiServlet;
import dev.davit.rest.RestServlet;
import dev.davit.lock.FileLockStore;
import dev.davit.lock.LockStore;
import dev.davit.metrics.Metrics;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.Repositories;
import dev.davit.storage.StorageException;

/** The composition root: builds every part from the configuration and owns the Jetty lifecycle. */
public final class DavitServer implements AutoCloseable {
    private final DavitConfig config;
    private final Repositories repositories;
    /** False for the warm-up's scratch server, which looks at no repository of its own accord. */
    private final boolean network;
    private final Server jetty;
    private final ServerConnector connector;
    private final LocalConnector local;
    private final ServerConnector httpsConnector;
    private final LockStore locks;
    private final Metrics metrics = new Metrics();
    private final ClientMetadata clientMetadata;
    private final java.util.concurrent.ExecutorService passwordCheckThreads;
    /** Cluster mode's member of the Raft group, or null (a single node). */
    private final ClusterNode cluster;

    public DavitServer(DavitConfig config) throws IOException, StorageException {
        this(config, Clock.systemUTC());
    }

    /** @param clock for lock expiry and the failed-authentication waits (tests move it by hand) */
    public DavitServer(DavitConfig config, Clock clock) throws IOException, StorageException {
        this(config, clock, true);
    }

    /**
     * @param network false: no network connector, only the in-process one ({@link #localConnector}), for the
     *                {@link Warmup}'s scratch server, which nobody else may reach
     */
    DavitServer(DavitConfig config, Clock clock, boolean network) throws IOException, StorageException {
        this.config = config;
        this.repositories = new Repositories(config.dataDir(), config.durable(), config.gcEveryCommits());
        repositories.onCommit(metrics::commit);
        // Every front end's writes commit through storage, which refuses one past the limit (and so does a push).
        repositories.limitRepositorySize(config.limits().repositoryBytes());
        this.clientMetadata = new ClientMetadata(config.durable());
        if (config.cluster().enabled() && config.cluster().raftTls() != null && network) {
            int nodePort = config.cluster().peers().stream().filter(p -> p.id().equals(config.cluster().nodeId()))
                    .findFirst().orElseThrow().httpPort();
            if (nodePort == config.port() || (config.tls().enabled() && nodePort == config.tls().port())) {
                repositories.close();
                throw new IllegalArgumentException("with cluster.tls.keystore, this node's HTTP port in cluster.peers ("
                        + nodePort + ") is the nodes' own HTTPS port; it must differ from server.port and tls.port");
            }
        }
        if (config.cluster().enabled()) {
            // Before the Raft log is applied: its notes of sync-client metadata are applied to this store.
            repositories.keepNotes(ClientMetadata.NOTES, clientMetadata);
            // Every write commits on a majority of the nodes from here on (ClusterNode is every repository's
            // commit point); the sample's first import is a write too, made by whichever node leads first.
            Path raftDir = config.cluster().raftDir() != null ? config.cluster().raftDir()
                    : repositories.dataDir().resolve(".davit").resolve("raft");
            try {
                this.cluster = ClusterNode.start(config.cluster(), raftDir, repositories, clock, this::seedSampleAsLeader);
            } catch (IOException | RuntimeException e) {
                repositories.close();
                throw e;
            }
        } else {
            this.cluster = null;
        }
        seedSample();
        DavitConfig.Defences defences = config.defences();
        // Failed authentications cost the guesser, and password checks can never take every thread (issue 14).
        FailedLoginLimiter limiter = new FailedLoginLimiter(new FailedLoginLimiter.Settings(defences.authFreeFailures(),
                Duration.ofSeconds(1), Duration.ofSeconds(defences.authMaxDelaySeconds())), clock);
        // Checks at nice 10: the cores go to requests first, so guessers' checks never slow a user's request.
        this.passwordCheckThreads = java.util.concurrent.Executors.newFixedThreadPool(defences.passwordChecks(),
                new LowPriorityThreads("davit-password-check", 10));
        UserStore users = new UserStore(config.users(), config.anonymous(), limiter,
                new PasswordChecks(defences.passwordChecks(), defences.passwordChecksWaiting(), passwordCheckThreads), clock);
        // Locks live beside the repositories, so a restart keeps them (issue 3).
        // A damaged file stops the start (DamagedLockDatabaseException) unless locks.damaged=discard (issue 14).
        try {
            // Cluster mode: the locks are entries of the replicated log, held by every node (no lock file).
            this.locks = cluster != null ? cluster.locks()
                    : new FileLockStore(repositories.dataDir().resolve(".davit").resolve("locks.db"), clock,
                    defences.discardDamagedLocks());
        } catch (IOException e) {
            passwordCheckThreads.shutdownNow();
            if (cluster != null) {
                cluster.close();
            }
            repositories.close();
            throw e;
        }

        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("davit");
        jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        // A header section past this is answered 431 by Jetty before any of our code runs.
        // 16 KiB by default (Jetty's is 8 KiB): a Basic password of 10 KB (issue 14's case; its Base64 is 13.3 KB)
        // must reach the authentication and get its 401, not Jetty's 431; Node.js allows 16 KiB too.
        http.setRequestHeaderSize(config.limits().headerBytes());
        // Names with a literal '%' (100%.txt) arrive as %25, which Jetty's default compliance refuses.
        // Encoded dots, slashes and backslashes are let through to the WebDAV front end, which reads only
        // the raw request URI and refuses them itself (400, with the repository's X-Revision): milton
        // broke on these because it used the decoded path (milton-ce.md §6); Davit never does.
        http.setUriCompliance(UriCompliance.from(
                "DEFAULT,AMBIGUOUS_PATH_ENCODING,AMBIGUOUS_PATH_SEGMENT,AMBIGUOUS_PATH_SEPARATOR,SUSPICIOUS_PATH_CHARACTERS"));
        // Jetty 12 parses form bodies for PUT too; a form-encoded file would be stored empty.
        http.setFormEncodedMethods("POST");
        connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(config.bind());
        connector.setPort(config.port());
        local = new LocalConnector(jetty, new HttpConnectionFactory(http));
        if (network) {
            jetty.addConnector(connector);
        }
        jetty.addConnector(local);
        httpsConnector = config.tls().enabled() ? https(http) : null;
        if (cluster != null && network) {
            // With cluster.tls.*: the nodes' own HTTPS port (their certificates only), apart from the users' ports.
            cluster.addNodeConnector(jetty, http, config.bind());
        }
        // Slow senders and floods from one address (issue 14): a deadline for each request's header section
        // and a limit of open connections per client address, on every network connector.
        ScheduledExecutorScheduler guardScheduler = new ScheduledExecutorScheduler("davit-connection-guard", true);
        jetty.addBean(guardScheduler);
        ConnectionGuard guard = new ConnectionGuard(defences.connectionsPerAddress(),
                TimeUnit.SECONDS.toNanos(defences.headerTimeoutSeconds()), guardScheduler, System::nanoTime);
        jetty.addBean(guard);
        connector.addEventListener(guard);
        if (httpsConnector != null) {
            httpsConnector.addEventListener(guard);
        }

        ServletContextHandler context = new ServletContextHandler("/");
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        // First in the chain, so it sees every answer, 401s from authentication included.
        // Both async-capable: a refusal for too many failed authentications is held without a thread (issue 14).
        FilterHolder metricsFilter = new FilterHolder(new MetricsFilter(metrics));
        metricsFilter.setAsyncSupported(true);
        context.addFilter(metricsFilter, "/*", EnumSet.of(DispatcherType.REQUEST));
        java.util.function.Supplier<FilterHolder> auth = () -> {
            FilterHolder h = new FilterHolder(new AuthenticationFilter(users, config.tls().basicOnlyOverTls(),
                    Duration.ofSeconds(defences.refusalHoldMaxSeconds()), metrics));
            h.setAsyncSupported(true);
            return h;
        };
        context.addFilter(auth.get(), "/dav/*", EnumSet.of(DispatcherType.REQUEST));
        DavSettings davSettings = new DavSettings(config.staleStatus(), config.maxXmlBodyBytes(), config.lockStatus(),
                config.maxLockSeconds(), config.junkPatterns(), config.limits().bodyBytes(), config.limits().propfindEntries(),
                config.limits().locksPerUser());
        context.addServlet(new ServletHolder("dav", new DavServlet(repositories, users, locks, davSettings, DavMount.dav(),
                clientMetadata)), "/dav/*");
        // The Nextcloud/ownCloud clients' paths: the same WebDAV front end, users, locks and limits, each
        // user's files being their home repository; a stale If-Match is 412 there, the status these clients
        // turn into a conflict copy (with 409 Nextcloud blacklists the file instead).
        context.addFilter(auth.get(), "/remote.php/*",
                EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("sync-dav", new DavServlet(repositories, users, locks, davSettings.withStaleStatus(412),
                DavMount.syncClients(new SyncHomes(config.homes())), clientMetadata,
                new UploadFolders(repositories.dataDir().resolve(".davit").resolve("uploads"), clock,
                        Duration.ofHours(config.uploadsAbandonedHours())))), "/remote.php/*");
        context.addFilter(auth.get(), "/ocs/*",
                EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("sync-api", new SyncApiServlet()), "/ocs/*");
        context.addServlet(new ServletHolder("sync-status", new SyncApiServlet()), "/status.php");
        // The REST API sits behind the same users and rights as WebDAV (Octokit's baseUrl is http://host:port/api).
        context.addFilter(auth.get(), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("rest", new RestServlet(repositories, users, locks)), "/api/*");
        // git smart HTTP: same users and rights; git retries with credentials after the 401 challenge.
        context.addFilter(auth.get(), "/git/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("git", new GitHttpServlet(repositories, users, locks)), "/git/*");
        // The read-only web page per repository (browse, history, diff, download).
        context.addFilter(auth.get(), "/ui/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("ui", new WebUiServlet(repositories, users)), "/ui/*");
        context.addServlet(new ServletHolder("health", new HealthServlet()), "/healthz");
        context.addServlet(new ServletHolder("metrics", new MetricsServlet(metrics)), "/metrics");
        if (cluster != null) {
            // What a node that fell behind reads from the others (the cluster's secret, no user credentials).
            cluster.addPeerEndpoints(context);
        }
        // Plain GETs of small files at the head skip the servlet layer (issue 16); with auth.basic.tls.only every
        // request goes through the authentication filter, which refuses Basic over plain HTTP from elsewhere.
        org.eclipse.jetty.server.Handler served = config.tls().basicOnlyOverTls() ? context
                : new dev.davit.dav.PlainGetHandler(context, repositories, users, clientMetadata, metrics);
        // In cluster mode a node that does not lead forwards everything first, the lean GETs included: it
        // reads only as the leader does (read your writes through any node).
        jetty.setHandler(cluster == null ? served : new LeaderForwarding(cluster, served));
        this.network = network;
    }

    private void seedSample() throws IOException, StorageException {
        String sample = config.sampleRepository();
        if (sample == null || sample.isEmpty()) {
            return;
        }
        int slash = sample.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("sample.repository must be owner/repo, not " + sample);
        }
        // In cluster mode only the empty repository here (the same on every node); the import is a replicated
        // write, made once by the leader (seedSampleAsLeader).
        GitRepository repo = repositories.createIfMissing(sample.substring(0, slash), sample.substring(slash + 1),
                cluster == null ? config.sampleSource() : null, new Identity("Davit", "davit@localhost"));
        repo.headId();
    }

    /** Cluster mode: the sample's first import, when this node starts to lead and the repository is still empty. */
    private void seedSampleAsLeader() {
        String sample = config.sampleRepository();
        if (sample == null || sample.isEmpty()) {
            return;
        }
        int slash = sample.indexOf('/');
        try {
            repositories.createIfMissing(sample.substring(0, slash), sample.substring(slash + 1), config.sampleSource(),
                    new Identity("Davit", "davit@localhost"));
        } catch (IOException | StorageException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(DavitServer.class).warn("cluster: the sample repository's import failed ({});"
                    + " the next leader tries again", e.toString());
        }
    }

    /**
     * The HTTPS connector: Windows' WebDAV redirector sends Basic credentials only over TLS
     * (milton-ce.md §5), and nobody should send them in clear text across a network anyway.
     */
    private ServerConnector https(HttpConfiguration http) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(config.tls().keystore().toAbsolutePath().toString());
        ssl.setKeyStorePassword(config.tls().keystorePassword());
        HttpConfiguration secure = new HttpConfiguration(http);
        SecureRequestCustomizer src = new SecureRequestCustomizer();
        // Clients reach a self-hosted server by IP or a local name the certificate may not carry.
        src.setSniHostCheck(false);
        secure.addCustomizer(src);
        ServerConnector c = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(secure));
        c.setHost(config.bind());
        c.setPort(config.tls().port());
        jetty.addConnector(c);
        return c;
    }

    /** The HTTPS port actually bound, or -1 without HTTPS. */
    public int httpsPort() {
        return httpsConnector == null ? -1 : httpsConnector.getLocalPort();
    }

    public void start() throws Exception {
        jetty.start();
        if (network && cluster == null) {
            // From the start, not from their first requests: the last-modified indexes of repositories Davit never
            // opened are built in the background. After the warm-up, which a build beside it slowed from 1.2 s to
            // 2.3-3 s on 2 cores (the port opened that much later).
            repositories.indexInBackground(Duration.ofSeconds(5));
        }
    }

    /**
     * Runs a fresh server's first requests once in-process on a scratch server before this one listens, so
     * that its first clients do not pay for loading and compiling the code (see {@link Warmup}). Call before
     * {@link #start}; never fails (what goes wrong is logged, and the server starts all the same).
     */
    public Warmup.Result warmUp() {
        return Warmup.run(config, System::nanoTime, null);
    }

    /** As {@link #warmUp()}, its scratch folder in {@code tmpParent}, its time limit by {@code nanoTime}. */
    Warmup.Result warmUp(java.util.function.LongSupplier nanoTime, Path tmpParent) {
        return Warmup.run(config, nanoTime, tmpParent);
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public String baseUrl() {
        String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
        return "http://" + host + ":" + port() + "/";
    }

    /** Jetty's request threads (tests look at how many are busy). */
    QueuedThreadPool threads() {
        return (QueuedThreadPool) jetty.getThreadPool();
    }

    /** The server's counters. */
    Metrics metrics() {
        return metrics;
    }

    /** An in-process connector that takes raw HTTP text, for tests that need no socket. */
    public LocalConnector localConnector() {
        return local;
    }

    /** Cluster mode's member of the Raft group, or null for a single node (tests wait for a leader on it). */
    ClusterNode cluster() {
        return cluster;
    }

    public LockStore locks() {
        return locks;
    }

    public Repositories repositories() {
        return repositories;
    }

    @Override
    public void close() throws Exception {
        try {
            jetty.stop();
        } finally {
            passwordCheckThreads.shutdownNow();
            try {
                if (cluster != null) {
                    cluster.close(); // no entry is applied to a closed repository or metadata store
                }
            } finally {
                try {
                    clientMetadata.close();
                } finally {
                    repositories.close();
                }
            }
        }
    }
}
