package dev.davit.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.config.ConfigLoader;
import dev.davit.config.DavitConfig;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.RepoPath;

/**
 * A fresh server's first requests, run before it listens: a PROPFIND Depth 1 of a folder of 1,000 files (with the
 * properties clients ask for), GETs of small files, PUTs, in-process through the same code as a client's (Jetty's
 * HTTP parsing, the filters, the WebDAV servlet, JGit), a few times over. The JVM loads and initialises the classes
 * of those paths on first use and compiles them after a few thousand runs; a fresh server paid that on its first
 * clients' requests (its first PROPFIND Depth 1 of 1,000 files took several times the next ones), which
 * mod_dav_fs, in C, never does. Java 17 offers no class-data-sharing archive or ahead-of-time code that
 * {@code java -jar davit.jar} alone can turn on (the options go on the command line or in
 * {@code JDK_JAVA_OPTIONS}, not in a jar's manifest).
 *
 * <p>The requests go to a scratch server of their own (no network connector) over a scratch data directory in a
 * temporary folder, removed afterwards: nothing of the server's data, users, locks or metrics is touched. Bounded
 * by {@link #DEADLINE_NANOS}; what goes wrong is logged and the server starts all the same.
 */
public final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    /** The warm-up stops after this, wherever it is (a slow or busy machine). */
    static final long DEADLINE_NANOS = 3_000_000_000L;
    static final int FILES = 1_000;
    static final int ROUNDS = 6;

    private static final String LAST_MODIFIED = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:propfind xmlns:D=\"DAV:\">"
            + "<D:prop><D:getlastmodified/><D:getetag/></D:prop></D:propfind>";
    private static final String RESOURCE_TYPE = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:propfind xmlns:D=\"DAV:\">"
            + "<D:prop><D:resourcetype/></D:prop></D:propfind>";
    private static final String FINDER = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:propfind xmlns:D=\"DAV:\"><D:prop>"
            + "<D:getlastmodified/><D:getcontentlength/><D:creationdate/><D:resourcetype/><D:getetag/><D:getcontenttype/>"
            + "</D:prop></D:propfind>";

    private Warmup() {
    }

    /** How the warm-up went: requests made, those answered otherwise than expected, and its time. */
    public record Result(int requests, int unexpected, long millis) {
    }

    /**
     * Runs the warm-up for a server of {@code config} (its limits and settings), within {@link #DEADLINE_NANOS}
     * of {@code nanoTime}, in a scratch folder made in {@code tmpParent} (null: the system's).
     */
    static Result run(DavitConfig config, LongSupplier nanoTime, Path tmpParent) {
        long t0 = nanoTime.getAsLong();
        Path tmp = null;
        int[] counts = {0, 0};
        try {
            tmp = tmpParent == null ? Files.createTempDirectory("davit-warmup") : Files.createTempDirectory(tmpParent, "davit-warmup");
            byte[] secret = new byte[16];
            new java.security.SecureRandom().nextBytes(secret);
            String password = java.util.HexFormat.of().formatHex(secret);
            DavitServer scratch = new DavitServer(ConfigLoader.fromProperties(settings(config, tmp, password)),
                    Clock.systemUTC(), false);
            try {
                scratch.start();
                files(scratch);
                requests(scratch, password, () -> nanoTime.getAsLong() - t0 > DEADLINE_NANOS, counts);
            } finally {
                scratch.close();
            }
        } catch (Exception e) {
            LOG.warn("the warm-up stopped ({}); the server starts all the same", e.toString());
        } finally {
            if (tmp != null) {
                delete(tmp);
            }
        }
        Result r = new Result(counts[0], counts[1], TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - t0));
        if (r.unexpected() > 0) {
            LOG.warn("warm-up: {} of {} requests were not answered as expected", r.unexpected(), r.requests());
        }
        LOG.info("warmed up: {} requests in {} ms", r.requests(), r.millis());
        return r;
    }

    /** The scratch server's settings: the server's own for what shapes a request, one user, a scratch data folder. */
    private static Properties settings(DavitConfig config, Path tmp, String password) {
        Properties p = new Properties();
        p.setProperty("server.bind", "127.0.0.1");
        p.setProperty("server.port", "0");
        p.setProperty("data.dir", tmp.resolve("data").toString());
        p.setProperty("storage.durable", "false");
        p.setProperty("storage.gc.commits", "0");
        p.setProperty("conflict.stale.status", Integer.toString(config.staleStatus()));
        p.setProperty("conflict.lock.status", Integer.toString(config.lockStatus()));
        p.setProperty("limits.xml.body.bytes", Long.toString(config.maxXmlBodyBytes()));
        p.setProperty("user.warmup.password", password);
        p.setProperty("user.warmup.access", "*:rw");
        return p;
    }

    /** The folder the listings read: {@link #FILES} small files, made in one commit through the storage API. */
    private static void files(DavitServer scratch) throws Exception {
        Identity who = new Identity("Davit warm-up", "warmup@localhost");
        GitRepository repo = scratch.repositories().createIfMissing("warm", "up", null, who);
        List<ObjectId> blobs = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            byte[] b = ("warm-up file " + i + "\n").repeat(16).getBytes(StandardCharsets.UTF_8);
            blobs.add(repo.insertBlob(new ByteArrayInputStream(b), b.length));
        }
        repo.write(who, "warm-up files", edit -> {
            edit.mkdir(RepoPath.parse("f"));
            for (int i = 0; i < FILES; i++) {
                edit.putFile(RepoPath.parse(String.format("f/f%05d.txt", i)), blobs.get(i));
            }
            edit.mkdir(RepoPath.parse("w"));
            return null;
        });
    }

    private static void requests(DavitServer scratch, String password, java.util.function.BooleanSupplier late, int[] counts)
            throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString(("warmup:" + password).getBytes(StandardCharsets.UTF_8));
        String base = "/dav/warm/up/";
        for (int round = 0; round < ROUNDS && !late.getAsBoolean(); round++) {
            send(scratch, auth, "PROPFIND", base + "f/", "1", LAST_MODIFIED, 207, counts);
            send(scratch, auth, "PROPFIND", base + "f/", "1", RESOURCE_TYPE, 207, counts);
            send(scratch, auth, "PROPFIND", base + "f/", "1", FINDER, 207, counts);
            send(scratch, auth, "PROPFIND", base + "f/", "1", "", 207, counts); // allprop
            send(scratch, auth, "PROPFIND", base, "0", RESOURCE_TYPE, 207, counts);
            send(scratch, auth, "OPTIONS", base, null, null, 200, counts);
            for (int i = 0; i < 40 && !late.getAsBoolean(); i++) {
                send(scratch, auth, "GET", base + String.format("f/f%05d.txt", (round * 40 + i) % FILES), null, null, 200, counts);
            }
            send(scratch, auth, "HEAD", base + "f/f00001.txt", null, null, 200, counts);
            for (int i = 0; i < 10 && !late.getAsBoolean(); i++) {
                send(scratch, auth, "PUT", base + "w/r" + round + "-" + i + ".bin", null, "x".repeat(1024), 201, counts);
            }
        }
    }

    /** One request through the in-process connector; counts it, and whether its status was {@code expected}. */
    private static void send(DavitServer scratch, String auth, String method, String path, String depth, String body,
                             int expected, int[] counts) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nAuthorization: ").append(auth).append("\r\n");
        if (depth != null) {
            req.append("Depth: ").append(depth).append("\r\nContent-Type: application/xml; charset=utf-8\r\n");
        } else if (body != null) {
            req.append("Content-Type: application/octet-stream\r\n");
        }
        req.append("Content-Length: ").append(content.length).append("\r\nConnection: close\r\n\r\n")
                .append(new String(content, StandardCharsets.ISO_8859_1));
        String response = scratch.localConnector().getResponse(req.toString(), 30, TimeUnit.SECONDS);
        counts[0]++;
        if (response == null || !response.startsWith("HTTP/1.1 " + expected + " ")) {
            counts[1]++;
            if (counts[1] == 1) {
                LOG.debug("warm-up: {} {} answered {}", method, path,
                        response == null ? "nothing" : response.lines().findFirst().orElse(""));
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not remove the warm-up's scratch folder {}: {}", dir, e.toString());
        }
    }
}
