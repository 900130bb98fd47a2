package dev.davit.testutil;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that must know each other's ports before any of them listens (a cluster's
 * {@code cluster.peers}). A port lent by {@code bind(0)} comes from the kernel's ephemeral range, the range it
 * also gives outgoing connections: between picking it and the server binding it, a connection of a node already
 * running can take it (CI saw {@code Failed to bind to /127.0.0.1:37299} in {@code ClusterNodeTlsTest}). These
 * come from below that range, which outgoing connections never use, each one bound once to check it is free and
 * never handed out twice by one instance.
 */
public final class FreePorts {
    private static final int LOWEST = 20_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private final Set<Integer> given = new HashSet<>();

    /** A port nothing listens on, below the ephemeral range where the system says where that starts. */
    public synchronized int next() throws IOException {
        int top = ephemeralLow();
        if (top < LOWEST + 1_000) {
            return lent(); // an unusual range: nothing safer to pick from than what the kernel lends
        }
        for (int tries = 0; tries < 1_000; tries++) {
            int port = LOWEST + ThreadLocalRandom.current().nextInt(top - LOWEST);
            if (!given.contains(port) && bindable(port)) {
                given.add(port);
                return port;
            }
        }
        throw new IOException("no free port in " + LOWEST + "-" + (top - 1));
    }

    private int lent() throws IOException {
        for (int tries = 0; tries < 100; tries++) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (given.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("the kernel lent only ports already given");
    }

    private static int ephemeralLow() {
        // Read by lines: Files.readString of this /proc file gave only its first byte here (Java 17, size 0).
        try (BufferedReader r = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            return Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default start of the range
        }
    }

    /** Bound on every address without SO_REUSEADDR: a listener on any one address, or a TIME_WAIT, makes it fail. */
    private static boolean bindable(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (BindException e) {
            return false;
        }
    }
}
