package dev.davit.testutil;

import dev.davit.storage.GitRepository;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Commits made in a bare repository by another program, as git fast-import or a push makes them: whole
 * histories with the commit times the test chooses (clock skew included), merges, files turned into folders.
 * The branch {@link GitRepository#BRANCH} is moved to each new commit unless it is made on a side line. Like
 * fast-import, the objects go into one pack and the branch to disk when the history is read
 * ({@link #newReader}) or closed (a loose object and a ref file per commit made long histories slow to build).
 */
public final class OutsideHistory implements AutoCloseable {
    private final Repository repo;
    private final ObjectInserter ins;
    private ObjectId branch;
    /** The files of each commit made here, so that the next one need not read its parent's trees back. */
    private final Map<ObjectId, TreeMap<String, ObjectId>> filesOf = new java.util.HashMap<>();
    private final dev.davit.storage.objects.ObjectCache cache = new dev.davit.storage.objects.ObjectCache(64L << 20);

    /** Opens the bare repository at {@code gitDir}, creating it (HEAD on the branch) if it does not exist. */
    public OutsideHistory(Path gitDir) throws IOException {
        this.repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build();
        if (!repo.getObjectDatabase().exists()) {
            repo.create(true);
            repo.getRefDatabase().newUpdate(Constants.HEAD, false).link(GitRepository.BRANCH);
        }
        this.ins = ((org.eclipse.jgit.internal.storage.file.ObjectDirectory) repo.getObjectDatabase()).newPackInserter();
    }

    /** A reader of the repository's objects (the caller closes it), with trees and commits cached as Davit's are. */
    public org.eclipse.jgit.lib.ObjectReader newReader() {
        try {
            publish();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return cache.wrap(repo.newObjectReader());
    }

    /** The branch's commit, or null before the first. */
    public ObjectId head() throws IOException {
        return branch != null ? branch : repo.resolve(GitRepository.BRANCH);
    }

    /** Writes the pack of the commits made so far and the branch. */
    public void publish() throws IOException {
        ins.flush();
        if (branch == null || branch.equals(repo.resolve(GitRepository.BRANCH))) {
            return;
        }
        RefUpdate u = repo.updateRef(GitRepository.BRANCH);
        u.setNewObjectId(branch);
        u.setForceUpdate(true);
        RefUpdate.Result r = u.update();
        if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.FAST_FORWARD && r != RefUpdate.Result.FORCED
                && r != RefUpdate.Result.NO_CHANGE) {
            throw new IOException("moving the branch: " + r);
        }
    }

    /**
     * A commit on top of the branch at {@code time} (seconds) with {@code changes}: a path and its new content,
     * or null to delete the path (a file, or a folder with everything below it). A file put where a folder is
     * replaces the folder, and a file put below a file replaces that file with a folder.
     */
    public ObjectId commit(long time, Map<String, String> changes) throws IOException {
        ObjectId c = commitOn(head(), time, changes);
        moveBranch(c);
        return c;
    }

    /** A commit with {@code parents} (the first one's tree changed by {@code changes}); the branch does not move. */
    public ObjectId commitOn(ObjectId firstParent, long time, Map<String, String> changes, ObjectId... otherParents) throws IOException {
        TreeMap<String, ObjectId> files = new TreeMap<>();
        if (firstParent != null) {
            TreeMap<String, ObjectId> known = filesOf.get(firstParent);
            if (known != null) {
                files.putAll(known);
            } else {
                try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
                    tw.addTree(rw.parseCommit(firstParent).getTree());
                    tw.setRecursive(true);
                    while (tw.next()) {
                        files.put(tw.getPathString(), tw.getObjectId(0));
                    }
                }
            }
        }
        for (Map.Entry<String, String> ch : changes.entrySet()) {
            String path = ch.getKey();
            files.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
            if (ch.getValue() != null) {
                for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                    files.remove(path.substring(0, slash)); // a file where a folder is needed
                }
                files.put(path, ins.insert(Constants.OBJ_BLOB, ch.getValue().getBytes(StandardCharsets.UTF_8)));
            }
        }
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        for (Map.Entry<String, ObjectId> f : files.entrySet()) {
            DirCacheEntry e = new DirCacheEntry(f.getKey());
            e.setFileMode(FileMode.REGULAR_FILE);
            e.setObjectId(f.getValue());
            b.add(e);
        }
        b.finish();
        CommitBuilder cb = new CommitBuilder();
        PersonIdent who = new PersonIdent("Outside", "outside@example.org", Instant.ofEpochSecond(time), ZoneOffset.UTC);
        cb.setAuthor(who);
        cb.setCommitter(who);
        cb.setMessage("outside " + time);
        cb.setTreeId(dc.writeTree(ins));
        List<ObjectId> parents = new ArrayList<>();
        if (firstParent != null) {
            parents.add(firstParent);
        }
        parents.addAll(List.of(otherParents));
        cb.setParentIds(parents);
        ObjectId c = ins.insert(cb);
        filesOf.put(c, files);
        return c;
    }

    /** A merge of {@code other} into the branch at {@code time}: the branch's tree with {@code changes}. */
    public ObjectId merge(long time, ObjectId other, Map<String, String> changes) throws IOException {
        ObjectId c = commitOn(head(), time, changes, other);
        moveBranch(c);
        return c;
    }

    /** Moves the branch to {@code c} (on disk at the next {@link #publish}). */
    public void moveBranch(ObjectId c) {
        branch = c.copy();
    }

    @Override
    public void close() throws IOException {
        try {
            publish();
        } finally {
            ins.close();
            repo.close();
        }
    }
}
