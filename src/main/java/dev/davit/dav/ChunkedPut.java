package dev.davit.dav;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;

/**
 * Nextcloud's chunked upload v1, which nextcloudcmd uses for a file larger than its chunk size (10 MB) when
 * the server does not announce chunking v2: {@code PUT NAME-chunking-TRANSFER-COUNT-INDEX} with
 * {@code OC-Chunked: 1}, chunks possibly in parallel, the last one sent when the others are done. Each
 * chunk is kept aside in the repository's git directory ({@code davit-chunks/}), never committed; when
 * the last one arrives the parts are streamed into one blob and committed as one {@code PUT NAME}, with
 * the same checks and answer as a plain PUT (the client takes the ETag of that answer as the sign that
 * the file is complete). Parts of an upload untouched for {@link #ABANDONED} are deleted.
 */
final class ChunkedPut {
    static final Duration ABANDONED = Duration.ofHours(24);
    private static final Pattern NAME = Pattern.compile("(.+)-chunking-(\\d{1,18})-(\\d{1,5})-(\\d{1,5})");
    private static final int MAX_CHUNKS = 10_000;

    private ChunkedPut() {
    }

    static void handle(DavExchange x) throws Exception {
        Matcher m = NAME.matcher(x.path().name());
        if (!m.matches()) {
            throw DavProblem.badRequest("OC-Chunked: the name must be NAME-chunking-TRANSFER-COUNT-INDEX");
        }
        int count = Integer.parseInt(m.group(3));
        int index = Integer.parseInt(m.group(4));
        if (count < 1 || count > MAX_CHUNKS || index >= count) {
            throw DavProblem.badRequest("OC-Chunked: chunk " + index + " of " + count + " is out of range");
        }
        RepoPath target = x.path().parent().child(m.group(1));
        try (Snapshot s = x.repository.head()) {
            // A doomed upload (stale If-Match, missing folder, someone's lock) is refused at its first chunk.
            PutHandler.check(x, target, s::lookup, s.lookup(target).orElse(null), s.lookup(target.parent()).orElse(null));
        }
        Path all = x.repository.gitDir().resolve("davit-chunks");
        removeAbandoned(all);
        // One folder per user and transfer: another user's upload with the same number is another upload.
        Path dir = all.resolve(hex(x.user.name()) + "-" + m.group(2) + "-" + count);
        Files.createDirectories(dir);
        Path part = dir.resolve(Integer.toString(index));
        Path tmp = Files.createTempFile(dir, "part", ".tmp");
        try (InputStream in = BodyLimit.of(x, x.request.getInputStream())) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, part, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!complete(dir, count)) {
            x.response.setStatus(201);
            x.response.setContentLength(0);
            return;
        }
        // The folder is claimed by a rename, so two chunks arriving last together assemble the file once.
        Path claimed = dir.resolveSibling(dir.getFileName() + ".assembling-" + index);
        try {
            Files.move(dir, claimed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            x.response.setStatus(201);
            x.response.setContentLength(0);
            return;
        }
        try {
            List<Path> parts = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < count; i++) {
                Path p = claimed.resolve(Integer.toString(i));
                parts.add(p);
                total += Files.size(p);
            }
            long max = x.settings.maxBodyBytes();
            if (max > 0 && total > max) {
                throw new DavProblem(413, "too-large", "the chunks add up to " + total + " bytes, more than " + max);
            }
            ObjectId blob;
            try (InputStream in = ConcatenatedFiles.of(parts)) {
                blob = x.repository.insertBlob(in, total);
            }
            PutHandler.store(x, target, blob, PutHandler.clientTime(x.header("X-OC-Mtime")));
        } finally {
            deleteTree(claimed);
        }
    }

    private static boolean complete(Path dir, int count) {
        for (int i = 0; i < count; i++) {
            if (!Files.isRegularFile(dir.resolve(Integer.toString(i)))) {
                return false;
            }
        }
        return true;
    }

    /** Uploads nobody touched for a day are given up (Nextcloud keeps its upload folders as long). */
    private static void removeAbandoned(Path all) throws IOException {
        if (!Files.isDirectory(all)) {
            return;
        }
        Instant cutoff = Instant.now().minus(ABANDONED);
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(all)) {
            for (Path d : dirs) {
                if (Files.getLastModifiedTime(d).toInstant().isBefore(cutoff)) {
                    deleteTree(d);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted(Collections.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String hex(String s) {
        return java.util.HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
