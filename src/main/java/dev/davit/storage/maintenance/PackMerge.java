package dev.davit.storage.maintenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.pack.PackConfig;

/**
 * Merges the small packs the {@link DiskApplier} writes (one per run, a few a second under load) into one,
 * with every object they hold (reachable or not: nothing is decided about garbage here), so that lookups
 * do not check hundreds of packs. As git's {@code repack --geometric}: only the small packs are rewritten,
 * so the cost follows what was written since, not the size of the repository. The merged pack is synced
 * and renamed into place before the small ones are deleted. Runs on the {@link Maintenance} thread, never
 * at the same time as a repack of the same repository.
 */
public final class PackMerge {
    /** Packs smaller than this are merged... */
    public static final long SMALL = 32L << 20;
    /** ...once there are this many of them. */
    public static final int MIN_PACKS = 8;

    private PackMerge() {
    }

    /** Small packs there are now. */
    /**
     * Packs a merge replaced, by base name, with the time they were replaced: they stay on disk for
     * {@link #GRACE_NANOS} before they are deleted, as git and JGit keep replaced packs for a while, so that a
     * reader outside the server that listed them a moment ago (git fsck, a clone, a backup) can still open
     * them. Their objects are in the merged pack, so they are never merged again.
     */
    public static final class Replaced {
        private final java.util.Map<String, Long> since = new java.util.concurrent.ConcurrentHashMap<>();

        boolean contains(String base) {
            return since.containsKey(base);
        }

        /** The base names of the packs replaced and still on disk (a live view). */
        java.util.Set<String> names() {
            return java.util.Collections.unmodifiableSet(since.keySet());
        }
    }

    /**
     * How long a replaced pack stays: for a reader that listed the folder a moment ago (git and JGit look
     * again when a pack they listed is gone). Not longer: JGit lists every pack on disk, and each lookup of a
     * new object asks each of them; under writes a merge replaces packs every second or two, and 60 s kept
     * ~300 packs in a benchmark run.
     */
    static final long GRACE_NANOS = 5_000_000_000L;

    public static List<Pack> smallPacks(FileRepository repo, Replaced replaced) {
        List<Pack> out = new ArrayList<>();
        for (Pack p : repo.getObjectDatabase().getPacks()) {
            String base = p.getPackFile().getName().replaceFirst("\\.pack$", "");
            if (p.getPackFile().length() < SMALL && !p.shouldBeKept() && !replaced.contains(base)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Which of the small packs to merge: smallest first, each while it is no more than twice the size of those
     * taken before it (as git's {@code repack --geometric=2}). A pack a merge made is large next to the
     * applier's new ones, so it is merged again only once as much has come after it: every object is rewritten
     * a logarithmic number of times instead of at every merge (merging every small pack again took about 40% of
     * the CPU of a PUT load in a profile).
     */
    public static List<Pack> geometric(List<Pack> small) {
        List<Pack> sorted = new ArrayList<>(small);
        sorted.sort(java.util.Comparator.comparingLong(p -> p.getPackFile().length()));
        List<Pack> take = new ArrayList<>();
        long sum = 0;
        for (Pack p : sorted) {
            long size = p.getPackFile().length();
            if (take.size() >= 2 && size > 2 * sum) {
                break;
            }
            take.add(p);
            sum += size;
        }
        return take;
    }

    /** Merges the small packs when there are enough of them; returns how many were merged (0: none). */
    public static int mergeIfMany(FileRepository repo, PackConfig config, Replaced replaced, long nowNanos) throws IOException {
        Path dir = repo.getObjectDatabase().getPackDirectory().toPath();
        deleteExpired(dir, replaced, nowNanos);
        List<Pack> small = smallPacks(repo, replaced);
        if (small.size() < MIN_PACKS) {
            return 0;
        }
        small = geometric(small);
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader);
             PackWriter pw = new PackWriter(config, reader)) {
            pw.setDeltaBaseAsOffset(true);
            List<RevObject> objects = new ArrayList<>();
            java.util.Set<ObjectId> seen = new java.util.HashSet<>();
            for (Pack p : small) {
                PackIndex idx = p.getIndex();
                PackEntryTypes types = PackEntryTypes.of(p.getPackFile().toPath(), idx);
                for (PackIndex.MutableEntry e : idx) {
                    ObjectId id = e.toObjectId();
                    if (seen.add(id)) {
                        int type = types.typeAt(e.getOffset());
                        objects.add(rw.lookupAny(id, type > 0 ? type : reader.open(id).getType()));
                    }
                }
            }
            Iterator<RevObject> it = objects.iterator();
            pw.preparePack(it);
            String merged = dev.davit.storage.objects.PackFiles.writeDurable(pw, dir);
            // Known to JGit with its index read now, on this thread, not by the next request that looks an object up.
            repo.getObjectDatabase().openPack(dir.resolve(merged + ".pack").toFile()).getIndex();
            for (Pack p : small) {
                String base = p.getPackFile().getName().replaceFirst("\\.pack$", "");
                if (!base.equals(merged)) {
                    replaced.since.put(base, nowNanos);
                }
            }
            return small.size();
        }
    }

    /** Deletes the replaced packs whose grace is over. */
    static void deleteExpired(Path dir, Replaced replaced, long nowNanos) throws IOException {
        for (java.util.Map.Entry<String, Long> e : new ArrayList<>(replaced.since.entrySet())) {
            if (nowNanos - e.getValue() < GRACE_NANOS) {
                continue;
            }
            // The pack first, then its index: git finds packs by their index (and skips an index without its
            // pack), JGit by the .pack file (and drops one whose file is gone).
            for (String ext : new String[] {".pack", ".rev", ".objsize", ".bitmap", ".idx"}) {
                Files.deleteIfExists(dir.resolve(e.getKey() + ext));
            }
            replaced.since.remove(e.getKey());
        }
        // Deletions need no sync: a pack that comes back after a power cut duplicates objects, harmlessly.
    }
}
