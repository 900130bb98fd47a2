package dev.davit.storage.maintenance;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try (ObjectReader reader = repo.newObjectReader(); PackWriter pw = new PackWriter(config, reader)) {
            pw.setDeltaBaseAsOffset(true);
            pw.preparePack(NullProgressMonitor.INSTANCE, tips, packed);
            long count = pw.getObjectCount();
            if (count == 0) {
                return 0;
            }
            dev.davit.storage.objects.PackFiles.writeDurable(pw, dir);
            return count;
        }
    }
}
