package dev.davit.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

import dev.davit.auth.Access;
import dev.davit.auth.UserAccount;

/**
 * Reads {@code davit.properties} and the command line ({@code --config FILE}, {@code --port N},
 * {@code --data DIR}, {@code --bind ADDR}; the command line wins). Relative paths in the file are
 * relative to the working directory.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_CONFIG = Path.of("config", "davit.properties");
    /**
     * macOS Finder, Windows Explorer and Office leave these in every folder they touch; editors and tools
     * save through them (vim's swap files and its 4913 probe, LibreOffice's lock and lu*.tmp files, Word's
     * ~WRD/~WRL temp files, backups ending in ~, sed -i's and rsync's mkstemp names, GIO's .goutputstream-).
     */
    public static final String DEFAULT_JUNK = ".DS_Store,._*,Thumbs.db,desktop.ini,~$*,.*.sw?,.~lock.*#,*~,~WRD*.tmp,~WRL*.tmp,"
            + "lu*.tmp,sedXXXXXX,.*.XXXXXX,.goutputstream-*,4913";

    private ConfigLoader() {
    }

    /** Thrown for a bad option or setting; the message is meant for the person starting the server. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }

    public static DavitConfig load(String[] args) throws ConfigException, IOException {
        Path configFile = DEFAULT_CONFIG;
        String port = null;
        String data = null;
        String bind = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new ConfigException("option " + a + " needs a value");
            }
            switch (a) {
                case "--config" -> configFile = Path.of(args[++i]);
                case "--port" -> port = args[++i];
                case "--data" -> data = args[++i];
                case "--bind" -> bind = args[++i];
                default -> throw new ConfigException("unknown option " + a + " (known: --config FILE, --port N, --data DIR, --bind ADDR)");
            }
        }
        if (!Files.isRegularFile(configFile)) {
            throw new ConfigException("config file " + configFile.toAbsolutePath() + " not found");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        if (port != null) {
            p.setProperty("server.port", port);
        }
        if (data != null) {
            p.setProperty("data.dir", data);
        }
        if (bind != null) {
            p.setProperty("server.bind", bind);
        }
        return fromProperties(p);
    }

    public static DavitConfig fromProperties(Properties p) throws ConfigException {
        int port = intSetting(p, "server.port", "8080");
        if (port < 0 || port > 65535) {
            throw new ConfigException("server.port must be 0..65535");
        }
        int stale = intSetting(p, "conflict.stale.status", "409");
        if (stale != 409 && stale != 412) {
            throw new ConfigException("conflict.stale.status must be 409 or 412");
        }
        int lockStatus = intSetting(p, "conflict.lock.status", "409");
        if (lockStatus != 409 && lockStatus != 423) {
            throw new ConfigException("conflict.lock.status must be 409 or 423");
        }
        int maxLock = intSetting(p, "locks.timeout.max.seconds", "3600");
        if (maxLock < 1) {
            throw new ConfigException("locks.timeout.max.seconds must be at least 1");
        }
        String sampleSource = p.getProperty("sample.source", "").trim();
        return new DavitConfig(
                p.getProperty("server.bind", "127.0.0.1").trim(),
                port,
                Path.of(p.getProperty("data.dir", "data").trim()),
                p.getProperty("sample.repository", "").trim(),
                sampleSource.isEmpty() ? null : Path.of(sampleSource),
                stale,
                lockStatus,
                maxLock,
                Boolean.parseBoolean(p.getProperty("storage.durable", "true").trim()),
                intSetting(p, "limits.xml.body.bytes", "1048576"),
                List.of(p.getProperty("junk.patterns", DEFAULT_JUNK).split(",")),
                new DavitConfig.Limits(longSetting(p, "limits.body.bytes", "17179869184"),
                        intSetting(p, "limits.header.bytes", "16384"),
                        intSetting(p, "limits.propfind.entries", "100000"),
                        intSetting(p, "limits.locks.per.user", "1000"),
                        longSetting(p, "limits.repository.bytes", "0")),
                users(p),
                gcEveryCommits(p),
                tls(p),
                anonymousGrants(p),
                defences(p),
                homes(p),
                shutdownSeconds(p),
                uploadsAbandonedHours(p),
                cluster(p));
    }

    /** Compiled once: node ids name Raft peers and folders. */
    /** A shared secret shorter than this is refused (a guessable one would let anyone fetch every repository). */
    private static final int MIN_CLUSTER_SECRET = 16;
    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * {@code cluster.*}: off unless {@code cluster.enabled=true}; then {@code cluster.node.id} must name one of
     * {@code cluster.peers} ({@code id@host:raftPort:httpPort,...}).
     */
    private static DavitConfig.Cluster cluster(Properties p) throws ConfigException {
        boolean enabled = Boolean.parseBoolean(p.getProperty("cluster.enabled", "false").trim());
        long timeout = longSetting(p, "cluster.commit.timeout.ms", "10000");
        String raftDir = p.getProperty("cluster.raft.dir", "").trim();
        long snapshotEntries = longSetting(p, "cluster.snapshot.entries", Long.toString(DavitConfig.Cluster.DEFAULT_SNAPSHOT_ENTRIES));
        long segmentBytes = longSetting(p, "cluster.raft.segment.bytes", Long.toString(DavitConfig.Cluster.DEFAULT_SEGMENT_BYTES));
        String secret = p.getProperty("cluster.secret", "").trim();
        if (!enabled) {
            return new DavitConfig.Cluster(false, "", List.of(), null, timeout, "", snapshotEntries, segmentBytes);
        }
        if (timeout < 1) {
            throw new ConfigException("cluster.commit.timeout.ms must be at least 1");
        }
        if (snapshotEntries < 10) {
            throw new ConfigException("cluster.snapshot.entries must be at least 10");
        }
        if (segmentBytes < 64 * 1024) {
            throw new ConfigException("cluster.raft.segment.bytes must be at least 65536");
        }
        String nodeId = p.getProperty("cluster.node.id", "").trim();
        List<DavitConfig.Cluster.Peer> peers = new java.util.ArrayList<>();
        for (String spec : p.getProperty("cluster.peers", "").split(",")) {
            spec = spec.trim();
            if (spec.isEmpty()) {
                continue;
            }
            int at = spec.indexOf('@');
            int second = spec.lastIndexOf(':');
            int first = second < 0 ? -1 : spec.lastIndexOf(':', second - 1);
            if (at <= 0 || first <= at + 1 || second <= first + 1) {
                throw new ConfigException("cluster.peers: '" + spec + "' is not id@host:raftPort:httpPort");
            }
            String id = spec.substring(0, at);
            if (!NODE_ID.matcher(id).matches()) {
                throw new ConfigException("cluster.peers: node id '" + id + "' may hold letters, digits, '-' and '_' only");
            }
            String host = spec.substring(at + 1, first);
            int raftPort = port(spec.substring(first + 1, second), spec);
            int httpPort = port(spec.substring(second + 1), spec);
            for (DavitConfig.Cluster.Peer known : peers) {
                if (known.id().equals(id)) {
                    throw new ConfigException("cluster.peers names node '" + id + "' twice");
                }
            }
            peers.add(new DavitConfig.Cluster.Peer(id, host, raftPort, httpPort));
        }
        if (peers.isEmpty()) {
            throw new ConfigException("cluster.enabled=true needs cluster.peers (id@host:raftPort:httpPort,...)");
        }
        if (peers.stream().noneMatch(x -> x.id().equals(nodeId))) {
            throw new ConfigException("cluster.node.id '" + nodeId + "' is not one of cluster.peers");
        }
        // Without it a node that fell behind the log's start could never catch up: refused at start, not then.
        if (secret.length() < MIN_CLUSTER_SECRET) {
            throw new ConfigException("cluster.enabled=true needs cluster.secret, the same on every node, of at least "
                    + MIN_CLUSTER_SECRET + " characters (e.g. openssl rand -hex 24): a node that fell behind the"
                    + " Raft log's start fetches the repositories from another with it");
        }
        return new DavitConfig.Cluster(true, nodeId, List.copyOf(peers), raftDir.isEmpty() ? null : Path.of(raftDir), timeout,
                secret, snapshotEntries, segmentBytes, raftTls(p));
    }

    /**
     * {@code cluster.tls.keystore} (PKCS12: this node's key and certificate) and its password, and optionally
     * {@code cluster.tls.truststore} with its password (the certificates trusted; by default the keystore's own,
     * for one self-signed certificate all nodes share): mutual TLS on the Raft port. Unset: none.
     */
    private static DavitConfig.Cluster.RaftTls raftTls(Properties p) throws ConfigException {
        String keystore = p.getProperty("cluster.tls.keystore", "").trim();
        if (keystore.isEmpty()) {
            if (!p.getProperty("cluster.tls.truststore", "").trim().isEmpty()) {
                throw new ConfigException("cluster.tls.truststore needs cluster.tls.keystore (this node's key and certificate)");
            }
            return null;
        }
        String password = p.getProperty("cluster.tls.keystore.password", "");
        String truststore = p.getProperty("cluster.tls.truststore", "").trim();
        String trustPassword = p.getProperty("cluster.tls.truststore.password", password);
        Path ks = Path.of(keystore);
        Path ts = truststore.isEmpty() ? ks : Path.of(truststore);
        for (Path f : List.of(ks, ts)) {
            if (!java.nio.file.Files.isReadable(f)) {
                throw new ConfigException("cluster.tls: cannot read " + f.toAbsolutePath());
            }
        }
        return new DavitConfig.Cluster.RaftTls(ks, password, ts, trustPassword);
    }

    private static int port(String v, String spec) throws ConfigException {
        try {
            int port = Integer.parseInt(v);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ConfigException("cluster.peers: '" + spec + "' has no port 1..65535 where '" + v + "' is");
    }

    private static DavitConfig.Defences defences(Properties p) throws ConfigException {
        int free = intSetting(p, "auth.failures.free", "5");
        int maxDelay = intSetting(p, "auth.failures.delay.max.seconds", "900");
        int checks = intSetting(p, "auth.password.checks", Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / 2)));
        int waiting = intSetting(p, "auth.password.checks.waiting", "32");
        int header = intSetting(p, "server.header.timeout.seconds", "20");
        int perAddress = intSetting(p, "server.connections.per.address", "100");
        int hold = intSetting(p, "auth.refusal.hold.max.seconds", "5");
        String damaged = p.getProperty("locks.damaged", "refuse").trim();
        if (free < 0) {
            throw new ConfigException("auth.failures.free must be 0 or more");
        }
        if (maxDelay < 1) {
            throw new ConfigException("auth.failures.delay.max.seconds must be at least 1");
        }
        if (checks < 1 || waiting < 0) {
            throw new ConfigException("auth.password.checks must be at least 1 and auth.password.checks.waiting 0 or more");
        }
        if (header < 1) {
            throw new ConfigException("server.header.timeout.seconds must be at least 1");
        }
        if (perAddress < 0) {
            throw new ConfigException("server.connections.per.address must be 0 (no limit) or more");
        }
        if (hold < 0 || hold > 20) {
            // Held answers must come well before Jetty's idle timeout (30 s) closes the connection unanswered.
            throw new ConfigException("auth.refusal.hold.max.seconds must be 0 to 20");
        }
        if (!damaged.equals("refuse") && !damaged.equals("discard")) {
            throw new ConfigException("locks.damaged must be refuse or discard, not '" + damaged + "'");
        }
        return new DavitConfig.Defences(free, maxDelay, checks, waiting, header, perAddress, damaged.equals("discard"), hold);
    }

    /**
     * {@code user.NAME.home=owner/repo}: the repository the Nextcloud/ownCloud clients sync for that user
     * (unset: {@code NAME/files}).
     */
    private static java.util.Map<String, String> homes(Properties p) throws ConfigException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("user.") && key.endsWith(".home") && key.length() > "user..home".length()) {
                String name = key.substring(5, key.length() - ".home".length());
                String v = p.getProperty(key).trim();
                int slash = v.indexOf('/');
                if (slash <= 0 || slash != v.lastIndexOf('/')
                        || !dev.davit.storage.Repositories.isValidName(v.substring(0, slash))
                        || !dev.davit.storage.Repositories.isValidName(v.substring(slash + 1))) {
                    throw new ConfigException(key + " must be owner/repo, not '" + v + "'");
                }
                out.put(name, v);
            }
        }
        return out;
    }

    /** {@code uploads.abandoned.hours}: how long a chunked upload nobody touches is kept (Nextcloud: a day). */
    private static int uploadsAbandonedHours(Properties p) throws ConfigException {
        int h = intSetting(p, "uploads.abandoned.hours", "24");
        if (h < 1) {
            throw new ConfigException("uploads.abandoned.hours must be at least 1");
        }
        return h;
    }

    /** {@code shutdown.timeout.seconds}: how long a stop may take to bring the disk up to date (issue 12). */
    private static int shutdownSeconds(Properties p) throws ConfigException {
        int s = intSetting(p, "shutdown.timeout.seconds", "30");
        if (s < 1) {
            throw new ConfigException("shutdown.timeout.seconds must be at least 1");
        }
        return s;
    }

    private static DavitConfig.Tls tls(Properties p) throws ConfigException {
        String keystore = p.getProperty("https.keystore", "").trim();
        int port = intSetting(p, "https.port", "-1");
        if (port >= 0 && keystore.isEmpty()) {
            throw new ConfigException("https.port is set but https.keystore is not");
        }
        if (!keystore.isEmpty() && !Files.isRegularFile(Path.of(keystore))) {
            throw new ConfigException("https.keystore " + Path.of(keystore).toAbsolutePath() + " not found");
        }
        return new DavitConfig.Tls(port, keystore.isEmpty() ? null : Path.of(keystore),
                p.getProperty("https.keystore.password", ""),
                Boolean.parseBoolean(p.getProperty("auth.basic.tls.only", "false").trim()));
    }

    private static int gcEveryCommits(Properties p) throws ConfigException {
        int n = intSetting(p, "storage.gc.commits", "500");
        if (n < 0) {
            throw new ConfigException("storage.gc.commits must be 0 (never) or more");
        }
        return n;
    }

    /** {@code anonymous.access}: what may be read without credentials (PATTERN:r, comma-separated). */
    public static List<UserAccount.Grant> anonymousGrants(Properties p) throws ConfigException {
        List<UserAccount.Grant> out = new ArrayList<>();
        for (String g : p.getProperty("anonymous.access", "").split(",")) {
            g = g.trim();
            if (g.isEmpty()) {
                continue;
            }
            if (!g.endsWith(":r")) {
                throw new ConfigException("anonymous.access: '" + g + "' must be PATTERN:r (anonymous access is read-only)");
            }
            out.add(new UserAccount.Grant(g.substring(0, g.length() - 2), Access.READ));
        }
        return List.copyOf(out);
    }

    private static List<UserAccount> users(Properties p) throws ConfigException {
        TreeSet<String> names = new TreeSet<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("user.") && key.endsWith(".password")) {
                names.add(key.substring(5, key.length() - ".password".length()));
            }
        }
        List<UserAccount> out = new ArrayList<>();
        for (String name : names) {
            if (name.equals(dev.davit.auth.Principal.ANONYMOUS)) {
                throw new ConfigException("user name 'anonymous' is reserved; use anonymous.access for reading without credentials");
            }
            String password = p.getProperty("user." + name + ".password");
            String email = p.getProperty("user." + name + ".email", name + "@localhost").trim();
            List<UserAccount.Grant> grants = new ArrayList<>();
            for (String g : p.getProperty("user." + name + ".access", "").split(",")) {
                g = g.trim();
                if (g.isEmpty()) {
                    continue;
                }
                int colon = g.lastIndexOf(':');
                if (colon < 0) {
                    throw new ConfigException("user." + name + ".access: '" + g + "' must be PATTERN:r or PATTERN:rw");
                }
                String right = g.substring(colon + 1);
                Access access = switch (right) {
                    case "r" -> Access.READ;
                    case "rw" -> Access.WRITE;
                    default -> throw new ConfigException("user." + name + ".access: right must be r or rw, not " + right);
                };
                grants.add(new UserAccount.Grant(g.substring(0, colon), access));
            }
            out.add(new UserAccount(name, password, email, List.copyOf(grants), tokens(p, name)));
        }
        return List.copyOf(out);
    }

    /**
     * {@code user.NAME.token.ID=<hash>} (from {@code davit token NAME}) and {@code user.NAME.token.ID.readonly=true}:
     * the user's personal access tokens.
     */
    private static List<UserAccount.Token> tokens(Properties p, String name) throws ConfigException {
        String prefix = "user." + name + ".token.";
        List<UserAccount.Token> out = new ArrayList<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            if (!key.startsWith(prefix) || key.endsWith(".readonly")) {
                continue;
            }
            String id = key.substring(prefix.length());
            String hash = p.getProperty(key).trim();
            if (!id.matches("[0-9a-f]{8}") || !dev.davit.auth.PasswordHash.isHash(hash)) {
                throw new ConfigException(key + ": a token line is user.NAME.token.<8 hex digits>=<hash>, as `davit token NAME` prints it");
            }
            String ro = p.getProperty(key + ".readonly", "false").trim();
            if (!ro.equals("true") && !ro.equals("false")) {
                throw new ConfigException(key + ".readonly must be true or false");
            }
            out.add(new UserAccount.Token(id, hash, ro.equals("true")));
        }
        return List.copyOf(out);
    }

    private static long longSetting(Properties p, String key, String def) throws ConfigException {
        String v = p.getProperty(key, def).trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, not '" + v + "'");
        }
    }

    private static int intSetting(Properties p, String key, String def) throws ConfigException {
        String v = p.getProperty(key, def).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, not '" + v + "'");
        }
    }
}
