package dev.davit.storage.objects;

import dev.davit.storage.disk.DurableFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack files of a repository on disk: making new ones durable, and removing ones a power cut tore.
 *
 * <p>Why the check exists: JGit's {@code PackInserter} renames a pack and its index into place without
 * fsync, and {@link DiskApplier} syncs them right after. A power cut in between can leave a named pack
 * whose bytes never reached the disk; its objects are still in the commit log (the log is trimmed only
 * after the pack and the branch are durable), so recovery deletes such a pack and packs them again.
 */
public final class PackFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PackFiles.class);
    /** Larger packs are written by repacks (JGit's GC and {@link PackMerge} sync before they rename). */
    private static final long CHECKED_SIZE = 64L << 20;

    private PackFiles() {
    }

    /** The base names ({@code pack-<sha>}) of the packs in {@code packDir}. */
    public static Set<String> names(Path packDir) throws IOException {
        Set<String> out = new HashSet<>();
        if (!Files.isDirectory(packDir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(packDir, "pack-*.pack")) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                out.add(n.substring(0, n.length() - ".pack".length()));
            }
        }
        return out;
    }

    /** fsync of every file of the packs named {@code bases}, then of the folder: the packs survive a power cut. */
    public static void force(Path packDir, Set<String> bases) throws IOException {
        if (bases.isEmpty()) {
            return;
        }
        for (String base : bases) {
            for (String ext : new String[] {".pack", ".idx", ".rev", ".objsize"}) {
                Path f = packDir.resolve(base + ext);
                if (Files.exists(f)) {
                    DurableFiles.force(f);
                }
            }
        }
        DurableFiles.forceDirectory(packDir);
    }

    /** Deletes small packs whose checksums do not match their bytes (torn by a power cut); returns how many. */
    public static int removeTorn(Path packDir) throws IOException {
        int removed = 0;
        for (String base : names(packDir)) {
            Path pack = packDir.resolve(base + ".pack");
            Path idx = packDir.resolve(base + ".idx");
            if (Files.size(pack) > CHECKED_SIZE) {
                continue;
            }
            if (!intact(pack, idx)) {
                LOG.warn("removing torn pack {} (its objects come back from the commit log)", pack);
                for (String ext : new String[] {".idx", ".rev", ".objsize", ".bitmap", ".keep", ".pack"}) {
                    Files.deleteIfExists(packDir.resolve(base + ext));
                }
                removed++;
            }
        }
        if (removed > 0) {
            DurableFiles.forceDirectory(packDir);
        }
        return removed;
    }

    /**
     * A pack ends with the SHA-1 of everything before it; its index ends with the pack's checksum and then
     * the SHA-1 of everything before that (git's pack and index formats, version 2).
     */
    public static boolean intact(Path pack, Path idx) {
        try {
            byte[] packTrailer = trailerIfValid(pack);
            byte[] idxBytes = Files.exists(idx) ? Files.readAllBytes(idx) : null;
            if (packTrailer == null || idxBytes == null || idxBytes.length < 40) {
                return false;
            }
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(idxBytes, 0, idxBytes.length - 20);
            return Arrays.equals(md.digest(), Arrays.copyOfRange(idxBytes, idxBytes.length - 20, idxBytes.length))
                    && Arrays.equals(packTrailer, Arrays.copyOfRange(idxBytes, idxBytes.length - 40, idxBytes.length - 20));
        } catch (IOException | NoSuchAlgorithmException e) {
            return false;
        }
    }

    private static byte[] trailerIfValid(Path pack) throws IOException, NoSuchAlgorithmException {
        long size = Files.size(pack);
        if (size < 32) {
            return null;
        }
        MessageDigest md = MessageDigest.getInstance("SHA-1");
        byte[] trailer = new byte[20];
        try (InputStream in = Files.newInputStream(pack)) {
            byte[] buf = new byte[64 * 1024];
            long left = size - 20;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    return null;
                }
                md.update(buf, 0, n);
                left -= n;
            }
            if (in.readNBytes(trailer, 0, 20) != 20) {
                return null;
            }
        }
        return Arrays.equals(md.digest(), trailer) ? trailer : null;
    }
}
