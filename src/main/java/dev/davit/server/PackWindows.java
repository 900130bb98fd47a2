package dev.davit.server;

import org.eclipse.jgit.storage.file.WindowCacheConfig;

/**
 * JGit's cache of pack file windows, for the process (JGit keeps it process-wide; set once at start, before
 * any repository is opened).
 *
 * <p>Why not JGit's defaults (10 MiB of 8 KiB windows copied onto the heap): the disk writer adds a small pack
 * several times a second under writes and the merges of those packs read every object of them twice (where
 * is it, then copy it); with the default cache a PUT load's merges spent most of their time loading and
 * evicting windows (~35% of the maintenance thread's samples in a profile). Mapped windows are the page
 * cache's pages, not copies on the heap (which stays at -Xmx256m in the benchmark), so the cache can be
 * larger than the heap allows. Pack files are never truncated, only replaced and deleted, so a mapping stays
 * valid while it is in use (a deleted file's pages live until unmapped).
 */
final class PackWindows {
    private PackWindows() {
    }

    static void install() {
        WindowCacheConfig c = new WindowCacheConfig();
        c.setPackedGitMMAP(true);
        c.setPackedGitWindowSize(256 * WindowCacheConfig.KB);
        c.setPackedGitLimit(512L * WindowCacheConfig.MB);
        c.install();
    }
}
