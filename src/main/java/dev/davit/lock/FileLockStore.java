package dev.davit.lock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Locks kept in one file in the data directory, so they survive a restart (a client that holds a lock
 * across a server restart can still use its token). The file is rewritten whole and fsynced on every
 * change; lock counts are small. One line per lock, fields base64-encoded and tab-separated.
 */
public final class FileLockStore extends MemoryLockStore {
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();
    private final Path file;

    public FileLockStore(Path file, Clock clock) throws IOException {
        super(clock);
        this.file = file;
        Files.createDirectories(file.getParent());
        if (Files.exists(file)) {
            load();
        }
    }

    private void load() throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length < 10) {
                continue; // A line from a newer format; skipped rather than guessed at.
            }
            Lock l = new Lock(dec(f[0]), dec(f[1]), dec(f[2]), Lock.Scope.valueOf(f[3]), Boolean.parseBoolean(f[4]), dec(f[5]),
                    dec(f[6]), Long.parseLong(f[7]), Instant.ofEpochMilli(Long.parseLong(f[8])), Boolean.parseBoolean(f[9]));
            if (l.expires().isAfter(clock.instant())) {
                locks.put(l.token(), l);
            }
        }
    }

    @Override
    protected void changed() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Davit WebDAV locks: token repository root scope infinite principal owner timeout expires createdEmpty");
        for (Lock l : locks.values()) {
            lines.add(String.join("\t", enc(l.token()), enc(l.repository()), enc(l.root()), l.scope().name(),
                    Boolean.toString(l.infinite()), enc(l.principal()), enc(l.ownerXml()), Long.toString(l.timeoutSeconds()),
                    Long.toString(l.expires().toEpochMilli()), Boolean.toString(l.createdEmpty())));
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String enc(String s) {
        return ENC.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String dec(String s) {
        return new String(DEC.decode(s), StandardCharsets.UTF_8);
    }
}
