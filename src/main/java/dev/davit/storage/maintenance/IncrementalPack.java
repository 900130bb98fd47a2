package dev.davit.storage.maintenance;

import dev.davit.storage.disk.DurableFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.storage.pack.PackConfig;

/**
 * Writes one pack of the objects reachable from {@code tips} but not from {@code packed} (the tips an
 * earlier pack covered): the objects of the commits since then. Both files are synced, and their folder,
 * before they get their final names, so the loose copies can be deleted right after.
 */
public final class IncrementalPack {
    private IncrementalPack() {
    }

    /** @return the number of objects written (0: nothing new, no pack) */
    public static long write(FileRepository repo, PackConfig config, Set<ObjectId> tips, Set<ObjectId> packed) throws IOException {
        Path dir = repo.getObjectsDirectory().toPath().resolve("pack");
        Files.createDirectories(dir);
        // Left by a stop in the middle of an earlier run (one maintenance thread: none is being written now).
        try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(dir, "davit_*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
        try (ObjectReader reader = repo.newObjectReader(); PackWriter pw = new PackWriter(config, reader)) {
            pw.setDeltaBaseAsOffset(true);
            pw.preparePack(NullProgressMonitor.INSTANCE, tips, packed);
            long count = pw.getObjectCount();
            if (count == 0) {
                return 0;
            }
            writeDurable(pw, dir);
            return count;
        }
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
