package dev.davit.server;

import dev.davit.config.ConfigLoader;
import dev.davit.config.DavitConfig;

/** {@code java -jar davit.jar [--config FILE] [--port N] [--data DIR] [--bind ADDR]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        DavitConfig config;
        try {
            config = ConfigLoader.load(args);
        } catch (ConfigLoader.ConfigException e) {
            System.err.println("davit: " + e.getMessage());
            System.exit(2);
            return;
        }
        DavitServer server = new DavitServer(config);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("davit: shutdown failed: " + e);
            }
        }, "davit-shutdown"));
        System.out.println("Davit listening on " + server.baseUrl() + " (WebDAV: " + server.baseUrl() + "dav/"
                + (config.sampleRepository().isEmpty() ? "{owner}/{repo}/" : config.sampleRepository() + "/")
                + ", data: " + config.dataDir().toAbsolutePath() + ")");
        System.out.flush();
    }
}
