package dev.davit.storage.objects;

import java.io.IOException;
import java.util.Collection;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;

/**
 * Whether the repository on disk already holds an object, asked for every object of every write (is it in the
 * log record? does the disk writer put it in its pack?). Nearly every answer is "no": the object is new.
 *
 * <p>Why not {@code ObjectReader.has}: on a miss JGit checks whether the pack folder changed and, when it did,
 * lists it again, and under writes it changes several times a second (a pack per disk-writer run, the merges):
 * in a profile of sequential PUTs those misses took ~10% of the server's CPU, on request threads and the disk
 * writer alike. Here the packs JGit knows are asked ({@link #inPacks}; the loose file separately, {@link #isLoose}):
 * a pack JGit has not seen yet may be
 * missed, and the only cost of that "no" is the object written once more (a duplicate in a pack, harmless to
 * git and dropped by the next merge). A "yes" is never wrong: a known pack a merge replaced stays on disk a
 * while, and its objects are in the merged pack.
 */
public final class StoredObjects {
    private StoredObjects() {
    }

    /** In a loose file (a stat of it). */
    public static boolean isLoose(Repository repository, AnyObjectId id) throws IOException {
        if (!(repository instanceof FileRepository repo)) {
            return readerHas(repository, id);
        }
        return repo.getObjectDatabase().fileFor(id).isFile();
    }

    /** In a pack JGit knows. */
    public static boolean inPacks(Repository repository, AnyObjectId id) throws IOException {
        if (!(repository instanceof FileRepository repo)) {
            return readerHas(repository, id);
        }
        return inPacks(repo.getObjectDatabase().getPacks(), id);
    }

    /**
     * The packs JGit knows now, for many {@link #inPacks(Collection, AnyObjectId)} questions: each call of JGit's
     * {@code getPacks()} checks whether the pack folder changed (a stat and its racy-clean arithmetic), which,
     * asked for every object of a write, cost ~3.5% of a PUT's thread (JFR, 3,000 sequential PUTs).
     */
    public static Collection<Pack> packs(FileRepository repo) {
        return repo.getObjectDatabase().getPacks();
    }

    /** In one of {@code packs} (a list from {@link #packs}; a pack written since is not asked: see above). */
    public static boolean inPacks(Collection<Pack> packs, AnyObjectId id) {
        for (Pack p : packs) {
            try {
                if (p.hasObject(id)) {
                    return true;
                }
            } catch (IOException e) {
                // an index that cannot be read now: look on (a "no" only costs a duplicate)
            }
        }
        return false;
    }

    /** A repository not in files (none is, in the server): JGit's own answer. */
    private static boolean readerHas(Repository repository, AnyObjectId id) throws IOException {
        try (ObjectReader reader = repository.newObjectReader()) {
            return reader.has(id);
        }
    }
}
