package dev.davit.lock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks kept in one file in the data directory, so they survive a restart (a client that holds a lock
 * across a server restart can still use its token). Lock counts are small, so the file is rewritten whole
 * on every change, and crash-safe (issue 14): written beside, fsynced, renamed over the old one, and the
 * folder fsynced, so after a crash the file is either the old or the new version, never a torn mix.
 *
 * <p>Format: a first line {@code davit-locks 2}, one line per lock (fields base64-encoded, tab-separated)
 * and a last line {@code sha256 HEX} over every byte before it. Files of the first format (a {@code #}
 * comment line, no checksum) are read when every line parses and the file ends with a newline, and
 * rewritten in the new format at once.
 *
 * <p>A damaged file (empty, truncated, random bytes, a wrong checksum, a line that does not parse) stops
 * the start with a {@link DamagedLockDatabaseException} naming the file and the damage. Why not fall back
 * to the locks we can still read, or to a previous copy: either silently drops locks that were
 * acknowledged to clients (the last change is what a torn or older file lacks), and a client that holds a
 * lock would then be overwritten: the one outcome a lock exists to prevent. Refusing costs an operator's
 * decision; {@code locks.damaged=discard} ({@code discardDamaged}) is that decision: the file is kept
 * beside, every lock that can still be read is logged as dropped, and the server starts without them.
 */
public final class FileLockStore extends MemoryLockStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileLockStore.class);
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();
    static final String MAGIC = "davit-locks 2";
    private static final String V1_HEADER = "# Davit WebDAV locks:";
    private static final String CHECKSUM = "sha256 ";
    private final Path file;

    public FileLockStore(Path file, Clock clock) throws IOException {
        this(file, clock, false);
    }

    /** @param discardDamaged start without the locks of a damaged file (keeping it beside) instead of refusing */
    public FileLockStore(Path file, Clock clock, boolean discardDamaged) throws IOException {
        super(clock);
        this.file = file;
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(tmp()); // a write that a crash interrupted; the file itself is still whole
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            try {
                boolean old = load(bytes);
                if (old) {
                    changed(); // from now on with a checksum
                }
            } catch (Damage d) {
                if (!discardDamaged) {
                    throw new DamagedLockDatabaseException(file, d.getMessage());
                }
                discard(bytes, d.getMessage());
            }
        }
    }

    /** What is wrong with the file, for the operator. */
    private static final class Damage extends Exception {
        Damage(String message) {
            super(message, null, false, false);
        }
    }

    /** Loads every lock or none; true when the file was of the first format. */
    private boolean load(byte[] bytes) throws Damage {
        if (bytes.length == 0) {
            throw new Damage("it is empty (0 bytes), but a lock database is never written empty");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Damage("it is not text (" + bytes.length + " bytes, not UTF-8), so it is not Davit's");
        }
        if (!text.endsWith("\n")) {
            throw new Damage("it is truncated (" + bytes.length + " bytes, the last line is cut off)");
        }
        List<String> lines = List.of(text.substring(0, text.length() - 1).split("\n", -1));
        boolean old;
        List<String> body;
        if (lines.get(0).equals(MAGIC)) {
            String last = lines.get(lines.size() - 1);
            if (lines.size() < 2 || !last.startsWith(CHECKSUM)) {
                throw new Damage("it is truncated (" + bytes.length + " bytes, no checksum line at the end)");
            }
            int checked = text.length() - last.length() - 1; // all characters before the checksum line
            String expected = sha256(text.substring(0, checked).getBytes(StandardCharsets.UTF_8));
            String stated = last.substring(CHECKSUM.length());
            if (!expected.equals(stated)) {
                throw new Damage("its checksum does not match its content (stated " + stated + ", computed " + expected + ")");
            }
            old = false;
            body = lines.subList(1, lines.size() - 1);
        } else if (lines.get(0).startsWith(V1_HEADER)) {
            // The first format had no checksum: a cut at a line end cannot be told apart from fewer locks.
            old = true;
            body = lines.subList(1, lines.size());
        } else {
            throw new Damage("it does not start with '" + MAGIC + "' (the first bytes are "
                    + HexFormat.ofDelimiter(" ").formatHex(Arrays.copyOf(bytes, Math.min(16, bytes.length))) + ")");
        }
        List<Lock> read = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            try {
                read.add(parse(body.get(i)));
            } catch (RuntimeException e) {
                throw new Damage("line " + (i + 2) + " is not a lock (" + e.getMessage() + ")");
            }
        }
        Instant now = clock.instant();
        for (Lock l : read) {
            if (l.expires().isAfter(now)) {
                locks.put(l.token(), l);
            }
        }
        return old;
    }

    /** locks.damaged=discard: keep the file beside, log every lock that can still be read, start empty. */
    private void discard(byte[] bytes, String problem) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + clock.millis());
        Files.move(file, aside);
        LOG.warn("locks: {} is damaged ({}); locks.damaged=discard: starting without its locks, the file is kept as {}",
                file.toAbsolutePath(), problem, aside.toAbsolutePath());
        String text = new String(bytes, StandardCharsets.UTF_8);
        int dropped = 0;
        for (String line : text.split("\n")) {
            try {
                Lock l = parse(line);
                dropped++;
                LOG.warn("locks: dropped lock token={} repository={} path={} principal={} expires={}", l.token(), l.repository(),
                        l.root(), l.principal(), l.expires());
            } catch (RuntimeException notALock) {
                // the damaged part, the header or the checksum line
            }
        }
        LOG.warn("locks: {} readable lock(s) dropped from {}", dropped, aside.toAbsolutePath());
    }

    private static Lock parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 10) {
            throw new IllegalArgumentException(f.length + " fields, not 10");
        }
        return new Lock(dec(f[0]), dec(f[1]), dec(f[2]), Lock.Scope.valueOf(f[3]), bool(f[4]), dec(f[5]),
                dec(f[6]), Long.parseLong(f[7]), Instant.ofEpochMilli(Long.parseLong(f[8])), bool(f[9]));
    }

    private static boolean bool(String s) {
        return switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + s + "' is not true or false");
        };
    }

    @Override
    protected void changed() throws IOException {
        StringBuilder text = new StringBuilder(MAGIC).append('\n');
        for (Lock l : locks.values()) {
            text.append(String.join("\t", enc(l.token()), enc(l.repository()), enc(l.root()), l.scope().name(),
                    Boolean.toString(l.infinite()), enc(l.principal()), enc(l.ownerXml()), Long.toString(l.timeoutSeconds()),
                    Long.toString(l.expires().toEpochMilli()), Boolean.toString(l.createdEmpty()))).append('\n');
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);
        out.write(content);
        out.write((CHECKSUM + sha256(content) + "\n").getBytes(StandardCharsets.UTF_8));
        Path tmp = tmp();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true); // the bytes are on disk before the name points at them
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncFolder();
    }

    /** The rename itself is durable only once the folder is (POSIX); Windows cannot open a folder for this. */
    private void syncFolder() throws IOException {
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }

    private Path tmp() {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String enc(String s) {
        return ENC.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String dec(String s) {
        return new String(DEC.decode(s), StandardCharsets.UTF_8);
    }
}
