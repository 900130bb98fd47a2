package dev.davit.storage.objects;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * One git object in the loose format ({@code zlib("<type> <size>\0" + content)}), as written to
 * {@code objects/xx/yyyy…} and, byte for byte, into the {@link CommitJournal}. Written without fsync: the
 * journal record that carries the same bytes is what makes a write durable (its one fdatasync replaces one
 * fsync per object file), and a checkpoint later syncs the files themselves.
 */
public record LooseObject(ObjectId id, byte[] deflated) {
    /**
     * Deflate level of loose objects: 1, because a commit deflates every tree on its path and zlib's
     * default level costs several times more CPU for a few percent; the background repack compresses
     * the history properly.
     */
    private static final int LEVEL = Deflater.BEST_SPEED;

    /**
     * One deflater per thread, reset between objects: a new Deflater allocates zlib's native state (hundreds
     * of KB) each time, which cost more than deflating the few hundred bytes of a tree or commit.
     */
    private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater(LEVEL));

    /** Formats and hashes {@code data} as an object of {@code type}. */
    public static LooseObject of(int type, byte[] data, int off, int len) {
        return of(ObjectIds.of(type, data, off, len), type, data, off, len);
    }

    /** As {@link #of(int, byte[], int, int)} with the id already computed by the caller. */
    public static LooseObject of(ObjectId id, int type, byte[] data, int off, int len) {
        byte[] header = (Constants.typeString(type) + " " + len + "\0").getBytes(StandardCharsets.US_ASCII);
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(len / 2 + 64);
            byte[] buf = new byte[Math.min(64 * 1024, Math.max(512, len + header.length))];
            deflater.setInput(header);
            drain(deflater, buf, out);
            deflater.setInput(data, off, len);
            deflater.finish();
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            return new LooseObject(id, out.toByteArray());
        } finally {
            deflater.reset();
        }
    }

    private static void drain(Deflater deflater, byte[] buf, ByteArrayOutputStream out) {
        while (!deflater.needsInput()) {
            int n = deflater.deflate(buf);
            out.write(buf, 0, n);
        }
    }

    public static Path path(Path objectsDir, ObjectId id) {
        String name = id.name();
        return objectsDir.resolve(name.substring(0, 2)).resolve(name.substring(2));
    }

    /**
     * Writes the file under {@code objectsDir} through a temporary name and an atomic rename, so a reader
     * never sees a partial object. Callers check first that the repository does not have the object, so a
     * durable file is never replaced by one that is not synced yet.
     */
    public void writeTo(Path objectsDir) throws IOException {
        Path target = path(objectsDir, id);
        Path dir = target.getParent();
        // One open, one write, one rename: this runs for every object of every commit.
        Path tmp = dir.resolve("tmp_obj_" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()));
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
        } catch (java.nio.file.NoSuchFileException e) {
            Files.createDirectories(dir);
            ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
        }
        boolean moved = false;
        try {
            try (java.nio.channels.FileChannel c = ch) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(deflated);
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The type and content of a loose object. */
    public record Content(int type, byte[] bytes) {
    }

    /** This object's type and content (recovery replays records from the log), or null when the bytes are not a loose object. */
    public Content inflate() {
        return parse(deflated);
    }

    private static Content parse(byte[] raw) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(raw);
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 3 + 64);
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buf, 0, n);
            }
            byte[] all = out.toByteArray();
            int nul = -1;
            for (int i = 0; i < Math.min(all.length, 32); i++) {
                if (all[i] == 0) {
                    nul = i;
                    break;
                }
            }
            if (nul < 0) {
                return null;
            }
            String[] header = new String(all, 0, nul, StandardCharsets.US_ASCII).split(" ");
            if (header.length != 2) {
                return null;
            }
            int type = switch (header[0]) {
                case Constants.TYPE_BLOB -> Constants.OBJ_BLOB;
                case Constants.TYPE_TREE -> Constants.OBJ_TREE;
                case Constants.TYPE_COMMIT -> Constants.OBJ_COMMIT;
                case Constants.TYPE_TAG -> Constants.OBJ_TAG;
                default -> -1;
            };
            if (type < 0) {
                return null;
            }
            long size = Long.parseLong(header[1]);
            if (size != all.length - nul - 1) {
                return null;
            }
            return new Content(type, java.util.Arrays.copyOfRange(all, nul + 1, all.length));
        } catch (DataFormatException | RuntimeException e) {
            return null;
        } finally {
            inflater.end();
        }
    }
}
