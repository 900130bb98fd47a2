package dev.davit.storage;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.log.CommitLog;
import dev.davit.storage.objects.NewObject;
import dev.davit.storage.objects.PackFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;

/**
 * Cluster mode's refs other than the branch WebDAV serves (other branches and tags pushed with git): a push to
 * one is a record of the replicated log as a push to the branch is (the new objects and the ref's move from
 * old to new id, {@link #collect}), and every node applies it in the log's order straight to its repository
 * on disk ({@link #apply}): the objects as one pack, synced, then the ref moved by compare-and-swap, its file
 * (JGit, {@code core.fsyncRefFiles}) and folders synced. Not through the repository's own commit log and disk
 * writer, which carry the served branch alone: these refs are not on any write's path, so applying them at once
 * is simpler and costs a push only. Applied before the entry counts as applied, so a Raft snapshot (taken once
 * the repositories on disk hold everything before it) never passes a ref that is not on disk.
 *
 * <p>A record moves its ref only when the ref is at the record's old id (absent: null), so every node takes
 * and refuses the same records, and a record replayed after a restart finds the ref moved and changes nothing.
 */
final class ReplicatedRefs {
    /** Large blobs of a push go beside the record, to a majority of nodes first (as uploaded ones). */
    interface BlobShipper {
        void ship(ObjectId blob) throws IOException;
    }

    /** A push's objects: those its record holds, and the large blobs named outside it. */
    record Pushed(List<NewObject> objects, List<ObjectId> outside) {
    }

    private final Repository repo;
    private final String label;

    ReplicatedRefs(Repository repo, String label) {
        this.repo = repo;
        this.label = label;
    }

    /** Whether {@code ref} may be pushed in cluster mode besides the served branch: a branch or a tag. */
    static boolean replicable(String ref) {
        return (ref.startsWith(Constants.R_HEADS) || ref.startsWith(Constants.R_TAGS)) && Repository.isValidRefName(ref);
    }

    /** Whether {@code r} (as another node advertises it) is a branch or tag other than the served branch. */
    static boolean isOtherRef(Ref r) {
        return !r.getName().equals(GitRepository.BRANCH) && replicable(r.getName()) && r.getObjectId() != null;
    }

    /** The id {@code ref} names on disk, null when it does not exist. */
    ObjectId valueOf(String ref) throws IOException {
        Ref r = repo.exactRef(ref);
        return r == null ? null : r.getObjectId();
    }

    /** Every branch and tag on disk but {@code except}, with its id. */
    List<ObjectId> tips(String except) throws IOException {
        List<ObjectId> out = new ArrayList<>();
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
            if (!r.getName().equals(except) && r.getObjectId() != null) {
                out.add(r.getObjectId());
            }
        }
        return out;
    }

    /**
     * The objects reachable from {@code target} and from none of {@code known} (ids every node holds: the heads
     * applied before), read raw through {@code reader}; blobs over {@code smallBlob} bytes are handed to
     * {@code shipper} and named outside the record.
     *
     * @throws WriteTooLargeException when the rest holds more than {@code max} bytes (checked by sizes, before
     *                                their bytes are read)
     */
    static Pushed collect(ObjectReader reader, ObjectId target, Collection<ObjectId> known, long max, int smallBlob,
                          BlobShipper shipper) throws IOException {
        List<NewObject> objects = new ArrayList<>();
        List<ObjectId> outside = new ArrayList<>();
        if (target == null) {
            return new Pushed(objects, outside); // a deletion adds nothing
        }
        try (ObjectWalk walk = new ObjectWalk(reader)) {
            walk.markStart(walk.parseAny(target));
            for (ObjectId k : known) {
                try {
                    walk.markUninteresting(walk.parseAny(k));
                } catch (MissingObjectException e) {
                    // not here: nothing it reaches can be left out
                }
            }
            List<RevObject> found = new ArrayList<>();
            for (RevCommit c; (c = walk.next()) != null; ) {
                found.add(c);
            }
            for (RevObject o; (o = walk.nextObject()) != null; ) {
                found.add(o);
            }
            long bytes = 0;
            for (RevObject o : found) {
                long size = reader.getObjectSize(o, o.getType());
                if (o.getType() == Constants.OBJ_BLOB && size > smallBlob) {
                    shipper.ship(o.copy());
                    outside.add(o.copy());
                    continue;
                }
                bytes += size + 25L;
                if (bytes > max) {
                    throw new WriteTooLargeException("cluster mode takes at most " + (max >> 20) + " MiB of new objects (files up to "
                            + (smallBlob >> 20) + " MiB, trees and commits) in one push; push fewer commits at a time", max, null);
                }
                byte[] raw = reader.open(o, o.getType()).getCachedBytes((int) max);
                objects.add(NewObject.of(o.copy(), o.getType(), raw, 0, raw.length));
            }
        }
        return new Pushed(objects, outside);
    }

    /**
     * Applies a committed record of a ref other than the served branch, on this node's disk: when the ref is at
     * the record's old id, the record's objects as a pack (synced), then the ref moved to its new id or deleted
     * (new id null), synced with its folders. Entries are applied one at a time (the replicated log's order).
     */
    synchronized GitRepository.Applied apply(CommitLog.Record record) throws IOException {
        String ref = record.ref();
        if (!replicable(ref)) {
            throw new IOException(label + ": a replicated record for " + ref + ", which is neither a branch nor a tag");
        }
        if (!Objects.equals(valueOf(ref), record.oldHead())) {
            return GitRepository.Applied.STALE;
        }
        if (!record.objects().isEmpty()) {
            writePack(record.objects());
        }
        move(ref, record.oldHead(), record.newHead());
        forceRefFolders(List.of(ref));
        return GitRepository.Applied.APPLIED;
    }

    /**
     * A node that caught up by fetching from another node takes that node's branches and tags as they are
     * ({@code advertised}, the served branch left out: it moves through the log), and drops those the other
     * node no longer has; their objects came with the fetch, synced by the caller.
     */
    synchronized void adopt(Map<String, ObjectId> advertised) throws IOException {
        Set<String> changed = new LinkedHashSet<>();
        for (Map.Entry<String, ObjectId> e : advertised.entrySet()) {
            if (replicable(e.getKey()) && !e.getKey().equals(GitRepository.BRANCH)) {
                ObjectId now = valueOf(e.getKey());
                if (!e.getValue().equals(now)) {
                    move(e.getKey(), now, e.getValue());
                    changed.add(e.getKey());
                }
            }
        }
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
            if (replicable(r.getName()) && !r.getName().equals(GitRepository.BRANCH) && !advertised.containsKey(r.getName())) {
                move(r.getName(), r.getObjectId(), null);
                changed.add(r.getName());
            }
        }
        forceRefFolders(changed);
    }

    /** The objects as one pack (JGit's {@link PackInserter}), its files and folder synced before any ref names them. */
    private void writePack(List<NewObject> objects) throws IOException {
        if (!(repo.getObjectDatabase() instanceof ObjectDirectory dir)) {
            throw new IOException(label + ": not a repository on disk");
        }
        Path packDir = dir.getPackDirectory().toPath();
        Set<String> before = PackFiles.names(packDir);
        try (PackInserter ins = dir.newPackInserter()) {
            // Every object is written, those found here too: one may sit in a pack a push received but nobody synced.
            ins.checkExisting(false);
            for (NewObject o : objects) {
                ins.insert(o.type(), o.bytes());
            }
            ins.flush();
        }
        Set<String> written = PackFiles.names(packDir);
        written.removeAll(before);
        PackFiles.force(packDir, written);
    }

    /** {@code ref} from {@code from} (null: absent) to {@code to} (null: deleted), by compare-and-swap. */
    private void move(String ref, ObjectId from, ObjectId to) throws IOException {
        RefUpdate u = repo.updateRef(ref);
        u.setExpectedOldObjectId(from == null ? ObjectId.zeroId() : from);
        u.setForceUpdate(true); // git's own checks (fast-forward, ...) ran where the push was received
        RefUpdate.Result r;
        if (to == null) {
            r = u.delete();
        } else {
            u.setNewObjectId(to);
            r = u.update();
        }
        switch (r) {
            case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {
            }
            default -> throw new IOException(label + ": moving " + ref + " to " + (to == null ? "nothing" : to.name()) + " failed: " + r);
        }
    }

    /**
     * The moved refs' names durable: JGit synced each ref file before its rename ({@code core.fsyncRefFiles});
     * the renames need their folders synced (a new folder, refs/tags/v1/..., its own name in its parent too), and
     * packed-refs, rewritten when a ref is deleted, the repository folder.
     */
    void forceRefFolders(Collection<String> refs) throws IOException {
        Path gitDir = repo.getDirectory().toPath();
        Set<Path> folders = new LinkedHashSet<>();
        for (String ref : refs) {
            for (Path f = gitDir.resolve(ref).getParent(); f != null && f.startsWith(gitDir) && !f.equals(gitDir); f = f.getParent()) {
                if (Files.isDirectory(f)) {
                    folders.add(f);
                }
            }
        }
        folders.add(gitDir);
        for (Path f : folders) {
            DurableFiles.forceDirectory(f);
        }
    }
}
