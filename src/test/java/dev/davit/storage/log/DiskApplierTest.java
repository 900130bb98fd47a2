package dev.davit.storage.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.storage.objects.NewObject;
import dev.davit.storage.objects.ObjectCache;

/** The disk writer on a real bare repository and commit log in a temporary folder. */
class DiskApplierTest {
    @TempDir
    Path tmp;

    /**
     * Whoever keeps a list of the packs hears of a run's pack while its objects still count as held: asked in
     * between, an object was in neither, and a write placing a blob its upload had found held was refused as if
     * the blob were lost (the benchmark's warm-up PUTs of one same body met it). The hook that says a pack is
     * known runs while the batch's objects are still held; the one after the run, once they are not.
     */
    @Test
    void aRunsPackIsKnownBeforeItsObjectsStopCountingAsHeld() throws Exception {
        FileRepository repo = new FileRepository(tmp.resolve("r.git").toFile());
        repo.create(true);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        List<String> seen = new ArrayList<>();
        DiskApplier[] applier = new DiskApplier[1];
        byte[] blob = "a file\n".getBytes(StandardCharsets.UTF_8);
        ObjectId blobId;
        List<NewObject> objects = new ArrayList<>();
        try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
            blobId = f.idFor(Constants.OBJ_BLOB, blob);
            objects.add(new NewObject(blobId, Constants.OBJ_BLOB, blob));
            TreeFormatter tree = new TreeFormatter();
            tree.append("a.txt", FileMode.REGULAR_FILE, blobId);
            byte[] treeBytes = tree.toByteArray();
            ObjectId treeId = f.idFor(Constants.OBJ_TREE, treeBytes);
            objects.add(new NewObject(treeId, Constants.OBJ_TREE, treeBytes));
            CommitBuilder c = new CommitBuilder();
            PersonIdent who = new PersonIdent("Alice", "alice@example.org", 1_700_000_000_000L, 0);
            c.setAuthor(who);
            c.setCommitter(who);
            c.setTreeId(treeId);
            c.setMessage("PUT a.txt");
            byte[] commitBytes = c.build();
            objects.add(new NewObject(f.idFor(Constants.OBJ_COMMIT, commitBytes), Constants.OBJ_COMMIT, commitBytes));
        }
        try (CommitLog log = new CommitLog(tmp.resolve("log"), false, "o/r", System::nanoTime)) {
            applier[0] = new DiskApplier(repo, Constants.R_HEADS + "main", "o/r", log, new ObjectCache(1 << 20), executor,
                    System::nanoTime, 1 << 20,
                    () -> seen.add("after the run: blob held " + applier[0].holds(blobId)),
                    () -> seen.add("pack known: blob held " + applier[0].holds(blobId)),
                    () -> dev.davit.storage.objects.StoredObjects.packs(repo));
            DiskApplier.Batch batch = new DiskApplier.Batch(null, objects.get(2).id(), objects, true);
            synchronized (log) {
                applier[0].enqueue(batch);
            }
            applier[0].awaitApplied(TimeUnit.SECONDS.toNanos(30));
            applier[0].close(TimeUnit.SECONDS.toNanos(30));
            assertThat(seen).as("what the hooks saw").containsExactly("pack known: blob held true",
                    "after the run: blob held false");
            assertThat(repo.getObjectDatabase().getPacks()).as("packs").hasSize(1);
            assertThat(repo.exactRef(Constants.R_HEADS + "main").getObjectId()).isEqualTo(objects.get(2).id());
        } finally {
            executor.shutdownNow();
            repo.close();
        }
    }
}
