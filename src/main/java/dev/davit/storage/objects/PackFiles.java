package dev.davit.storage.objects;

import dev.davit.storage.disk.DurableFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack files of a repository on disk: making new ones durable, and removing ones a power cut tore.
 *
 * <p>Why the check exists: packs are synced before their rename ({@link #writeDurable}), but a pack written
 * otherwise (JGit's {@code PackInserter}, which renames a pack and its index into place without fsync, wrote
 * the disk writer's packs before; git writing into the repository) can be named while its bytes never reached
 * the disk. Its objects are still in the commit log when the disk writer wrote it (the log is trimmed only
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

    /**
     * Deletes the temporary files of packs being written when the server stopped ({@link #writeDurable}); only
     * while the repository is being opened, as the disk writer and the merges write theirs at any time after.
     */
    public static void removeTemporaries(Path packDir) throws IOException {
        if (!Files.isDirectory(packDir)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(packDir, "davit_*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
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

    /**
     * Writes the pack {@code pw} prepared into {@code dir}: pack and index synced under temporary names, then
     * renamed (the pack first: a reader never meets an index without its pack), then the folder synced.
     *
     * @return the base name of the pack ({@code pack-<sha>})
     */
    public static String writeDurable(PackWriter pw, Path dir) throws IOException {
        // JGit lists only "pack-*.pack" files: these names are never taken for a pack while being written.
        Path tmpPack = Files.createTempFile(dir, "davit_", ".pack.tmp");
        Path tmpIdx = Files.createTempFile(dir, "davit_", ".idx.tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmpPack, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 256 * 1024);
                pw.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, out);
                out.flush();
                ch.force(true);
            }
            try (FileChannel ch = FileChannel.open(tmpIdx, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
                pw.writeIndex(out);
                out.flush();
                ch.force(true);
            }
            String name = "pack-" + pw.computeName().name();
            if (Files.exists(dir.resolve(name + ".pack")) && Files.exists(dir.resolve(name + ".idx"))) {
                // The same objects are packed already (a pack's name is the hash of its object ids), and that
                // pack is durable. Replacing its files under JGit, which has them open, makes JGit drop the pack
                // as invalid ("Pack file invalid", seen in the benchmark): keep the one there.
                return name;
            }
            Files.move(tmpPack, dir.resolve(name + ".pack"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpIdx, dir.resolve(name + ".idx"), StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.forceDirectory(dir);
            return name;
        } finally {
            Files.deleteIfExists(tmpPack);
            Files.deleteIfExists(tmpIdx);
        }
    }
}
