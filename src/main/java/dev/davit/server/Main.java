package dev.davit.server;

import dev.davit.config.ConfigLoader;
import dev.davit.config.DavitConfig;

/**
 * {@code java -jar davit.jar [--config FILE] [--port N] [--data DIR] [--bind ADDR]} runs the server;
 * {@code java -jar davit.jar passwd} prints a password hash for {@code user.NAME.password}.
 */
public final class Main {
    private Main() {
    }

    /** Reads a password (from the terminal without echo, else one line of standard input) and prints its hash. */
    private static void passwd() throws java.io.IOException {
        String password;
        java.io.Console console = System.console();
        if (console != null) {
            char[] a = console.readPassword("password: ");
            char[] b = console.readPassword("again: ");
            if (a == null || b == null || !java.util.Arrays.equals(a, b)) {
                System.err.println("davit: the passwords differ");
                System.exit(1);
                return;
            }
            password = new String(a);
        } else {
            password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
                    .readLine();
        }
        if (password == null || password.isEmpty()) {
            System.err.println("davit: no password given");
            System.exit(1);
            return;
        }
        System.out.println(dev.davit.auth.PasswordHash.hash(password));
        System.err.println("put it in the config as user.NAME.password=<the line above>");
    }

    /**
     * {@code davit token NAME [--read-only]}: a new personal access token for NAME. The config lines (the
     * token's hash) go to standard output, to be appended to the config; the token itself to standard error,
     * shown once and never stored.
     */
    private static int token(String[] args) {
        if (args.length < 2 || args.length > 3 || args.length == 3 && !args[2].equals("--read-only")) {
            System.err.println("usage: java -jar davit.jar token USER [--read-only]");
            return 2;
        }
        dev.davit.auth.AccessTokens.Issued t = dev.davit.auth.AccessTokens.issue(new java.security.SecureRandom());
        System.out.println(t.configLines(args[1], args.length == 3));
        System.err.println("token for " + args[1] + (args.length == 3 ? " (read-only)" : "") + ", shown once: " + t.token());
        System.err.println("add the line(s) above to the config (user." + args[1] + ".token." + t.id() + ") and restart");
        return 0;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("passwd")) {
            passwd();
            return;
        }
        if (args.length > 0 && args[0].equals("token")) {
            int rc = token(args);
            if (rc != 0) {
                System.exit(rc);
            }
            return;
        }
        DavitConfig config;
        // JGit's own setting for the JDK's SHA-1 (CPU instructions) instead of its collision-detecting one:
        // see dev.davit.storage.objects.ObjectIds for why, and for what keeps collisions out. Before JGit is used.
        System.setProperty("org.eclipse.jgit.util.sha1.implementation", "jdkNative");
        PackWindows.install();
        try {
            config = ConfigLoader.load(args);
        } catch (ConfigLoader.ConfigException e) {
            System.err.println("davit: " + e.getMessage());
            System.exit(2);
            return;
        }
        DavitServer server;
        try {
            server = new DavitServer(config);
        } catch (dev.davit.lock.DamagedLockDatabaseException e) {
            System.err.println("davit: " + e.getMessage());
            System.exit(2);
            return;
        } catch (java.io.IOException e) {
            // Another server on the data directory, or a repository that must not be opened (its branch is
            // lost): the message says which and why; nothing was changed.
            System.err.println("davit: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Before the port opens: the first clients find the request paths loaded and compiled (Warmup).
        server.warmUp();
        server.start();
        Stopping.install(server, java.time.Duration.ofSeconds(config.shutdownSeconds()));
        System.out.println("Davit listening on " + server.baseUrl() + " (WebDAV: " + server.baseUrl() + "dav/"
                + (config.sampleRepository().isEmpty() ? "{owner}/{repo}/" : config.sampleRepository() + "/")
                + ", data: " + config.dataDir().toAbsolutePath() + ")");
        System.out.flush();
    }
}
