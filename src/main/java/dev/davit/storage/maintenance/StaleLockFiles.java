package dev.davit.storage.maintenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the {@code *.lock} files a killed process left in a repository: JGit takes a ref update by
 * creating {@code refs/heads/main.lock} and renaming it; after {@code kill -9} between the two, every
 * later update of the branch fails until the file goes. Davit is the only writer of its data directory
 * and cleans a repository when it first opens it, before any request uses it, so no lock present then
 * can belong to a live writer. The swap itself is atomic, so the ref is either the old or the new commit.
 */
public final class StaleLockFiles {
    private static final Logger LOG = LoggerFactory.getLogger(StaleLockFiles.class);

    private StaleLockFiles() {
    }

    public static void clean(Path gitDir) throws IOException {
        List<Path> stale;
        try (Stream<Path> top = Files.list(gitDir)) {
            stale = new java.util.ArrayList<>(top.filter(StaleLockFiles::isLock).toList());
        }
        Path refs = gitDir.resolve("refs");
        if (Files.isDirectory(refs)) {
            try (Stream<Path> s = Files.walk(refs)) {
                s.filter(StaleLockFiles::isLock).forEach(stale::add);
            }
        }
        for (Path p : stale) {
            if (Files.deleteIfExists(p)) {
                LOG.warn("removed stale lock file {} (left by a process that died mid-update)", p);
            }
        }
    }

    private static boolean isLock(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".lock");
    }
}
