package dev.davit.storage.log;

import dev.davit.storage.objects.PackFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a repository's commit log still holds when the repository opens, replayed into memory: the batches
 * the disk had not caught up with when the server stopped (after a crash or a power cut, or a stop that
 * could not wait). Nothing is written here, so a server starts even on a full disk; the
 * {@link DiskApplier} writes them in the background.
 *
 * <p>The records form a chain from the branch's value on disk: a record whose old id is the current value
 * is replayed and moves it; the others were applied before (the log is trimmed only after the disk has a
 * record, and a trim can be lost in a crash) and are skipped. So a record is never published over a
 * branch it was not made on.
 *
 * <p>A repository whose branch is missing or unreadable while it holds objects is not opened: serving it
 * would start a new history over the old one (the server used to import the sample files again).
 */
public final class LogRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    public record Result(ObjectId head, List<DiskApplier.Batch> batches) {
    }

    private LogRecovery() {
    }

    public static Result run(Repository repo, Path logDir, String branch, String label) throws IOException {
        Path gitDir = repo.getDirectory().toPath();
        int torn = 0;
        PackFiles.removeTemporaries(repo.getDirectory().toPath().resolve("objects").resolve("pack"));
        if (!CommitLog.segments(logDir).isEmpty()) {
            torn = PackFiles.removeTorn(repo.getDirectory().toPath().resolve("objects").resolve("pack"));
        }
        // After the torn packs are gone: a delta's base is read from the repository only where it is durable.
        List<CommitLog.Record> records;
        try (ObjectReader bases = repo.newObjectReader()) {
            records = CommitLog.readAll(logDir, id -> {
                try {
                    return bases.open(id, org.eclipse.jgit.lib.Constants.OBJ_TREE).getCachedBytes(Integer.MAX_VALUE);
                } catch (org.eclipse.jgit.errors.MissingObjectException e) {
                    return null;
                }
            });
        } catch (IOException e) {
            throw new IOException(label + ": its commit log cannot be read (" + e.getMessage() + "); refusing to open it", e);
        }
        String refNote = dropUnreadableLooseRef(gitDir, branch);
        repo.getRefDatabase().refresh();
        ObjectId onDisk;
        try {
            Ref ref = repo.exactRef(branch);
            onDisk = ref == null ? null : ref.getObjectId();
        } catch (IOException e) {
            throw new IOException(label + ": cannot read " + branch + " (" + e.getMessage() + "); refusing to open it", e);
        }
        List<DiskApplier.Batch> replay = new ArrayList<>();
        ObjectId cur = onDisk;
        try (ObjectReader reader = repo.newObjectReader()) {
            if (onDisk != null && !reader.has(onDisk)) {
                cur = null; // a branch to a missing commit: only the log can tell where it goes
            }
            if (cur == null && onDisk == null && !records.isEmpty()) {
                // The branch is lost; the log continues from its first record's start if that is stored.
                ObjectId first = records.get(0).oldHead();
                cur = first != null && reader.has(first) ? first : null;
            }
            for (CommitLog.Record r : records) {
                if (!r.ref().equals(branch) || !Objects.equals(r.oldHead(), cur)) {
                    continue;
                }
                if (r.unreadable() != null) {
                    throw new IOException(label + ": the commit log's record of " + branch + " -> " + r.newHead().name()
                            + " is needed but cannot be read (" + r.unreadable() + "); refusing to open it");
                }
                replay.add(new DiskApplier.Batch(r.oldHead(), r.newHead(), r.objects()));
                cur = r.newHead();
            }
            if (cur == null && hasObjects(gitDir.resolve("objects"))) {
                throw new IOException(label + ": " + branch + " is " + (refNote != null ? refNote
                        : onDisk == null ? "missing" : "at " + onDisk.name() + ", which is not stored")
                        + " but the repository holds objects and the commit log does not tell the branch's value;"
                        + " refusing to open it over its history (restore the branch, e.g. git --git-dir="
                        + gitDir + " update-ref " + branch + " <commit>)");
            }
        }
        if (!records.isEmpty()) {
            LOG.warn("{}: opened after an unclean stop: {} log records, {} to apply again, {} torn packs removed, branch {} -> {}",
                    label, records.size(), replay.size(), torn, onDisk == null ? "missing" : onDisk.name(), cur == null ? "none" : cur.name());
        }
        return new Result(cur, replay);
    }

    /** A loose ref file that a crash left empty or torn is set aside, so packed-refs (or the log) tell the value. */
    private static String dropUnreadableLooseRef(Path gitDir, String branch) throws IOException {
        Path loose = gitDir.resolve(branch);
        if (!Files.isRegularFile(loose)) {
            return null;
        }
        String text = Files.readString(loose, StandardCharsets.ISO_8859_1).trim();
        if (text.matches("[0-9a-f]{40}") || text.startsWith("ref: ")) {
            return null;
        }
        // Out of refs/: git would take a file there for a ref (and fsck would report it).
        Path aside = gitDir.resolve("davit-unreadable-" + branch.replace('/', '-'));
        Files.move(loose, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LOG.warn("{}: the ref file was unreadable ({} bytes); moved aside to {}", gitDir, text.length(), aside);
        return text.isEmpty() ? "empty" : "unreadable";
    }

    /** Whether any pack or loose object exists. */
    private static boolean hasObjects(Path objects) throws IOException {
        if (!Files.isDirectory(objects)) {
            return false;
        }
        Path pack = objects.resolve("pack");
        if (Files.isDirectory(pack)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(pack, "*.pack")) {
                if (s.iterator().hasNext()) {
                    return true;
                }
            }
        }
        try (DirectoryStream<Path> fanouts = Files.newDirectoryStream(objects, "[0-9a-f][0-9a-f]")) {
            for (Path f : fanouts) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(f)) {
                    if (s.iterator().hasNext()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
