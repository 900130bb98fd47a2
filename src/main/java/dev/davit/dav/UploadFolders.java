package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The upload folders of Nextcloud's chunked upload v2 (ownCloud's "chunking NG"): each user's chunks of
 * each transfer, kept under {@code {data}/.davit/uploads/{user}/{transfer}/}, outside every repository, so
 * nothing of an upload is in git until its final MOVE commits the whole file. A user's folder is named by
 * the user's name in hex and only that user's requests are given it, so no URL reaches another's chunks.
 * A transfer untouched for {@code abandoned} (by the injected clock) is deleted by the next {@link #create}.
 */
public final class UploadFolders {
    /** One chunk: its name as the client gave it, its size and when it arrived. */
    record Chunk(String name, long size, Instant modified) {
    }

    private static final int MAX_NAME = 200;

    private final Path root;
    private final Clock clock;
    private final Duration abandoned;

    /**
     * @param root      the folder of every user's uploads ({@code {data}/.davit/uploads})
     * @param abandoned how long an untouched transfer is kept ({@code uploads.abandoned.hours})
     */
    public UploadFolders(Path root, Clock clock, Duration abandoned) {
        this.root = root;
        this.clock = clock;
        this.abandoned = abandoned;
    }

    Duration abandoned() {
        return abandoned;
    }

    /** Makes a transfer's folder; false when it exists already. Abandoned transfers of anyone go first. */
    boolean create(String user, String transfer) throws IOException {
        removeAbandoned();
        Path dir = dir(user, transfer);
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        touch(dir);
        return true;
    }

    boolean exists(String user, String transfer) {
        return Files.isDirectory(dir(user, transfer));
    }

    /**
     * Stores one chunk (replacing one of the same name), streamed to disk; the set may not grow past
     * {@code maxTotal} bytes (0: no limit), which is checked while the bytes arrive.
     *
     * @return true when the chunk is new
     * @throws NoSuchFileException when the transfer's folder does not exist
     * @throws DavProblem 413 when the set passes {@code maxTotal}
     */
    boolean putChunk(String user, String transfer, String name, InputStream in, long maxTotal) throws IOException {
        checkName(name);
        Path dir = dir(user, transfer);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(transfer);
        }
        Path part = dir.resolve(encode(name));
        long others = 0;
        for (Chunk c : chunks(user, transfer)) {
            others += c.name().equals(name) ? 0 : c.size();
        }
        Path tmp = Files.createTempFile(dir.getParent(), ".part", ".tmp");
        try {
            long room = maxTotal <= 0 ? Long.MAX_VALUE : maxTotal - others;
            long copied;
            try (InputStream limited = org.apache.commons.io.input.BoundedInputStream.builder().setInputStream(in)
                    .setMaxCount(room == Long.MAX_VALUE ? -1 : room + 1).get()) {
                copied = Files.copy(limited, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (copied > room) {
                throw new DavProblem(413, "too-large", "the chunks of upload " + transfer + " would pass " + maxTotal
                        + " bytes (limits.body.bytes)");
            }
            boolean isNew = !Files.exists(part);
            Files.move(tmp, part, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            touch(part);
            touch(dir);
            return isNew;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The transfer's chunks in name order (the order they are assembled in), or empty when there is none. */
    Optional<List<Chunk>> list(String user, String transfer) throws IOException {
        Path dir = dir(user, transfer);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        return Optional.of(chunks(user, transfer));
    }

    private List<Chunk> chunks(String user, String transfer) throws IOException {
        List<Chunk> out = new ArrayList<>();
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir(user, transfer))) {
            for (Path p : parts) {
                out.add(new Chunk(decode(p.getFileName().toString()), Files.size(p), Files.getLastModifiedTime(p).toInstant()));
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        // Nextcloud assembles in name order; both clients zero-pad their chunk names (offsets or numbers) for it.
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /** The transfer's folder when it exists, the time it was last touched. */
    Optional<Instant> modified(String user, String transfer) throws IOException {
        Path dir = dir(user, transfer);
        return Files.isDirectory(dir) ? Optional.of(Files.getLastModifiedTime(dir).toInstant()) : Optional.empty();
    }

    /** The chunk's bytes, or empty. */
    Optional<Path> chunkFile(String user, String transfer, String name) {
        checkName(name);
        Path p = dir(user, transfer).resolve(encode(name));
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Deletes one chunk; false when there was none. */
    boolean deleteChunk(String user, String transfer, String name) throws IOException {
        checkName(name);
        return Files.deleteIfExists(dir(user, transfer).resolve(encode(name)));
    }

    /** Deletes a transfer and its chunks (the client's abort); false when there was none. */
    boolean delete(String user, String transfer) throws IOException {
        Path dir = dir(user, transfer);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        deleteTree(dir);
        return true;
    }

    /**
     * Takes a transfer for its final MOVE: the folder is renamed away, so a second MOVE of the same
     * transfer finds nothing (and two cannot assemble it at once). Empty when there is no such transfer.
     */
    Optional<Claimed> claim(String user, String transfer) throws IOException {
        Path dir = dir(user, transfer);
        Path claimed = dir.resolveSibling(".claimed-" + dir.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(dir, claimed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new Claimed(dir, claimed));
    }

    /** A transfer taken for its final MOVE: assembled, then deleted, or given back when the MOVE is refused. */
    final class Claimed {
        private final Path home;
        private final Path dir;

        private Claimed(Path home, Path dir) {
            this.home = home;
            this.dir = dir;
        }

        List<Path> parts() throws IOException {
            List<Path> parts = new ArrayList<>();
            try (DirectoryStream<Path> ps = Files.newDirectoryStream(dir)) {
                ps.forEach(parts::add);
            }
            parts.sort((a, b) -> decode(a.getFileName().toString()).compareTo(decode(b.getFileName().toString())));
            return parts;
        }

        long total() throws IOException {
            long total = 0;
            for (Path p : parts()) {
                total += Files.size(p);
            }
            return total;
        }

        /** The chunks one after another, in name order, one file open at a time: never all in memory. */
        InputStream stream() throws IOException {
            return ConcatenatedFiles.of(parts());
        }

        /** The file is committed: the chunks go. */
        void done() throws IOException {
            deleteTree(dir);
        }

        /** The MOVE was refused (stale, locked, too large): the chunks stay for the client to retry or abort. */
        void giveBack() throws IOException {
            try {
                Files.move(dir, home, StandardCopyOption.ATOMIC_MOVE);
                touch(home);
            } catch (IOException e) {
                deleteTree(dir); // a new transfer of the same id was made meanwhile: this one is dropped
            }
        }
    }

    /** Deletes every transfer (and leftover claimed or temporary file) untouched for {@link #abandoned}. */
    public int removeAbandoned() throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(abandoned);
        int removed = 0;
        try (DirectoryStream<Path> users = Files.newDirectoryStream(root)) {
            for (Path u : users) {
                if (!Files.isDirectory(u)) {
                    continue;
                }
                try (DirectoryStream<Path> transfers = Files.newDirectoryStream(u)) {
                    for (Path t : transfers) {
                        if (Files.getLastModifiedTime(t).toInstant().isBefore(cutoff)) {
                            deleteTree(t);
                            removed++;
                        }
                    }
                }
            }
        }
        return removed;
    }

    private void touch(Path p) throws IOException {
        // The injected clock, not the file system's: abandonment is judged by the same clock (tests move it).
        Files.setLastModifiedTime(p, FileTime.from(clock.instant()));
    }

    private Path dir(String user, String transfer) {
        checkName(transfer);
        return root.resolve(encode(user)).resolve(encode(transfer));
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.contains("/")) {
            throw DavProblem.badRequest("an upload or chunk name is 1 to " + MAX_NAME + " characters without '/'");
        }
    }

    /** Names on disk are hex: no client name can be '..', a device name or collide by case. */
    private static String encode(String name) {
        return HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
