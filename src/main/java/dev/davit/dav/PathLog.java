package dev.davit.dav;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small persistent map from repository paths to values, kept beside a repository (in its git
 * directory, never in its tree), that follows MOVE, COPY and DELETE of folders. Stored as an append-only
 * log ({@code put}, {@code move}, {@code copy}, {@code delete} lines, each flushed and fsynced before
 * {@link #sync()} returns); a torn last line from a crash is ignored on load. On open, a log much longer
 * than what it describes is rewritten crash-safely: temp file, fsync, rename, fsync of the directory.
 *
 * <p>Cluster mode ({@code absolute}): a MOVE or COPY is written as the deletes and puts it amounts to, so that
 * every record sets a value or removes a subtree, and a run of records applied twice in a row leaves what it
 * left once; what changed is taken ({@link #drainPending}) and replicated instead of written here, and the
 * records the replicated log committed are written by {@link #appendApplied}, on every node in the log's order.
 */
final class PathLog implements AutoCloseable {
    private static final String HEADER = "davit-pathlog 1";

    private final Path file;
    private final boolean durable;
    /** Path strings ("" for the root, "a/b" below) to values, sorted so a folder's subtree is a range. */
    private final TreeMap<String, String> values = new TreeMap<>();
    private final Map<String, String> header = new TreeMap<>();
    private FileChannel out;
    private final StringBuilder pending = new StringBuilder();
    private long lines;
    private boolean torn;
    /** Cluster mode: MOVE and COPY recorded as the deletes and puts they amount to. */
    private final boolean absolute;

    PathLog(Path file, boolean durable) throws IOException {
        this(file, durable, false);
    }

    PathLog(Path file, boolean durable, boolean absolute) throws IOException {
        this.file = file;
        this.durable = durable;
        this.absolute = absolute;
        if (Files.exists(file)) {
            load();
        }
        if (!Files.exists(file) || torn || lines > 1000 && lines > 2L * values.size()) {
            rewrite();
        }
        out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Refuses bytes that are not a path log (another node's file, before it replaces this node's). */
    static void check(String name, byte[] bytes) throws IOException {
        byte[] header = (HEADER + "\n").getBytes(StandardCharsets.UTF_8);
        if (bytes.length < header.length || !java.util.Arrays.equals(bytes, 0, header.length, header, 0, header.length)) {
            throw new IOException(name + " is not a Davit path log");
        }
    }

    private void load() throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (!HEADER.equals(first)) {
                throw new IOException(file + " is not a Davit path log");
            }
            List<String> all = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                all.add(line);
            }
            // A line is complete only when a newline followed it; readLine cannot tell, so the file's
            // last byte decides whether the last line was torn by a crash.
            boolean lastComplete = Files.size(file) == 0 || endsWithNewline();
            for (int i = 0; i < all.size(); i++) {
                if (i == all.size() - 1 && !lastComplete) {
                    torn = true; // rewritten below, so the next record does not continue the torn one
                    break;
                }
                apply(all.get(i));
                lines++;
            }
        }
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            if (c.size() == 0) {
                return true;
            }
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b, c.size() - 1);
            return b.get(0) == '\n';
        }
    }

    private void apply(String line) {
        String[] f = line.split("\t", -1);
        switch (f[0]) {
            case "h" -> header.put(unescape(f[1]), unescape(f[2]));
            case "p" -> values.put(unescape(f[1]), unescape(f[2]));
            case "m" -> moveInMemory(unescape(f[1]), unescape(f[2]), true);
            case "c" -> moveInMemory(unescape(f[1]), unescape(f[2]), false);
            case "d" -> removeSubtree(unescape(f[1]));
            default -> {
                // An unknown record from a later version: skipped rather than fatal.
            }
        }
    }

    /** The entries of a path and of everything below it, as a copy. */
    private TreeMap<String, String> entriesOf(String path) {
        if (path.isEmpty()) {
            return new TreeMap<>(values);
        }
        // '/' + 1 is '0': every "path/..." key sorts between "path/" and "path0".
        TreeMap<String, String> m = new TreeMap<>(values.subMap(path + "/", true, path + "0", false));
        String v = values.get(path);
        if (v != null) {
            m.put(path, v);
        }
        return m;
    }

    /**
     * True when the path or anything below it has an entry: asked by every PUT of a new file (three logs), so
     * without copying the subtree as {@link #entriesOf} does (~2% of a PUT's thread, JFR).
     */
    private boolean hasEntries(String path) {
        if (path.isEmpty()) {
            return !values.isEmpty();
        }
        return values.containsKey(path) || !values.subMap(path + "/", true, path + "0", false).isEmpty();
    }

    private void removeSubtree(String path) {
        if (path.isEmpty()) {
            values.clear();
            return;
        }
        values.subMap(path + "/", true, path + "0", false).clear();
        values.remove(path);
    }

    private void moveInMemory(String from, String to, boolean remove) {
        TreeMap<String, String> moved = entriesOf(from);
        if (remove) {
            removeSubtree(from);
        }
        removeSubtree(to);
        for (Map.Entry<String, String> e : moved.entrySet()) {
            values.put(to + e.getKey().substring(from.length()), e.getValue());
        }
    }

    synchronized String get(String path) {
        return values.get(path);
    }

    /** A copy of every path and its value. */
    synchronized Map<String, String> entries() {
        return new TreeMap<>(values);
    }

    synchronized String header(String key) {
        return header.get(key);
    }

    synchronized void setHeader(String key, String value) {
        header.put(key, value);
        append("h", key, value);
    }

    synchronized void put(String path, String value) {
        values.put(path, value);
        append("p", path, value);
    }

    /** Removes a path and everything below it. */
    synchronized void delete(String path) {
        if (hasEntries(path)) {
            removeSubtree(path);
            append("d", path, null);
        }
    }

    /** Moves (or copies) the entries of a path and everything below it, replacing what was at the target. */
    synchronized void move(String from, String to, boolean remove) {
        if (hasEntries(from) || hasEntries(to)) {
            if (absolute) {
                TreeMap<String, String> moved = entriesOf(from);
                if (remove) {
                    append("d", from, null);
                }
                append("d", to, null);
                for (Map.Entry<String, String> e : moved.entrySet()) {
                    append("p", to + e.getKey().substring(from.length()), e.getValue());
                }
            } else {
                append(remove ? "m" : "c", from, to);
            }
            moveInMemory(from, to, remove);
        }
    }

    private void append(String kind, String a, String b) {
        pending.append(kind).append('\t').append(escape(a));
        if (b != null) {
            pending.append('\t').append(escape(b));
        }
        pending.append('\n');
    }

    /** Writes what changed since the last call and makes it durable. */
    synchronized void sync() {
        if (pending.length() == 0) {
            return;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                out.write(b);
            }
            if (durable) {
                out.force(false);
            }
            lines += pending.chars().filter(c -> c == '\n').count();
            pending.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cluster mode: the records made since the last call, taken to be replicated (nothing is written here). */
    synchronized String drainPending() {
        String s = pending.toString();
        pending.setLength(0);
        return s;
    }

    /**
     * Cluster mode: writes records the replicated log committed (made durable), and applies them to the map
     * unless they were made here ({@code toMemory} false: the map has them since they were made).
     */
    synchronized void appendApplied(String records, boolean toMemory) {
        if (records.isEmpty()) {
            return;
        }
        if (toMemory) {
            for (String line : records.split("\n")) {
                apply(line);
            }
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(records.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                out.write(b);
            }
            if (durable) {
                out.force(false);
            }
            lines += records.chars().filter(c -> c == '\n').count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the file without writing what changed since the last sync (cluster mode: it was never committed). */
    synchronized void discard() throws IOException {
        pending.setLength(0);
        out.close();
    }

    private void rewrite() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Map.Entry<String, String> h : header.entrySet()) {
            sb.append("h\t").append(escape(h.getKey())).append('\t').append(escape(h.getValue())).append('\n');
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            sb.append("p\t").append(escape(e.getKey())).append('\t').append(escape(e.getValue())).append('\n');
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename is then as durable as they allow.
        }
        lines = header.size() + values.size();
    }

    /** Paths may hold any character git allows; tab, newline and '%' are escaped so a line stays a record. */
    private static String escape(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return s.replace("%", "%25").replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D");
    }

    private static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%09", "\t").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%");
    }

    @Override
    public synchronized void close() throws IOException {
        sync();
        out.close();
    }
}
