package dev.davit.storage.history;

import dev.davit.storage.GitRepository;
import dev.davit.storage.HiddenNames;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * Git objects by id: blobs and trees, as git's data API exposes them. Davit's hidden helper files are
 * left out of every tree listing. Thread-safe (every call opens its own reader).
 */
public final class GitObjects {
    /** GitHub stops a recursive tree listing at 100,000 entries and says {@code truncated}; so does Davit. */
    public static final int MAX_TREE_ENTRIES = 100_000;

    private final GitRepository repository;
    private final History history;

    /** Blobs and trees of {@code repository} by id. */
    public static GitObjects of(GitRepository repository) {
        return new GitObjects(repository, History.of(repository));
    }

    private GitObjects(GitRepository repository, History history) {
        this.repository = repository;
        this.history = history;
    }

    /**
     * The blob with full id {@code sha}.
     *
     * @throws NotFoundException when {@code sha} is not a full object id or names no blob here
     */
    public Blob blob(String sha) throws IOException, NotFoundException {
        ObjectId id = parseId(sha);
        try (ObjectReader reader = repository.newReader()) {
            return new Blob(id, reader.open(id, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE));
        } catch (MissingObjectException | IncorrectObjectTypeException e) {
            throw notFound(sha);
        }
    }

    /** True when a blob with this id is stored here. */
    public boolean hasBlob(ObjectId id) throws IOException {
        try (ObjectReader reader = repository.newReader()) {
            return reader.has(id, Constants.OBJ_BLOB);
        }
    }

    /**
     * The tree {@code shaOrRev} names: a tree id, or a commit id or branch name whose root tree is meant
     * (GitHub's trees API accepts both). With {@code recursive} every entry below is listed, folders
     * before their contents.
     *
     * @throws NotFoundException when it names no tree
     */
    public TreeListing tree(String shaOrRev, boolean recursive) throws IOException, NotFoundException {
        ObjectId treeId;
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            ObjectId id;
            if (shaOrRev.matches("[0-9a-fA-F]{40}")) {
                id = ObjectId.fromString(shaOrRev);
            } else {
                id = history.resolve(shaOrRev);
            }
            RevObject o;
            try {
                o = rw.peel(rw.parseAny(id));
            } catch (MissingObjectException e) {
                throw notFound(shaOrRev);
            }
            if (o.getType() == Constants.OBJ_COMMIT) {
                treeId = rw.parseCommit(o).getTree().copy();
            } else if (o.getType() == Constants.OBJ_TREE) {
                treeId = o.copy();
            } else {
                throw notFound(shaOrRev);
            }
            List<TreeItem> items = new ArrayList<>();
            boolean truncated = list(rw.getObjectReader(), treeId, "", recursive, items);
            return new TreeListing(treeId, items, truncated);
        }
    }

    /** Appends the visible entries of {@code tree}; true when the limit cut the listing short. */
    private static boolean list(ObjectReader reader, ObjectId tree, String prefix, boolean recursive, List<TreeItem> out)
            throws IOException {
        if (tree.equals(Snapshot.EMPTY_TREE)) {
            return false;
        }
        CanonicalTreeParser p = new CanonicalTreeParser(null, reader, tree);
        for (; !p.eof(); p.next()) {
            String name = p.getEntryPathString();
            if (HiddenNames.isHidden(name)) {
                continue;
            }
            if (out.size() >= MAX_TREE_ENTRIES) {
                return true;
            }
            FileMode mode = p.getEntryFileMode();
            ObjectId id = p.getEntryObjectId();
            String path = prefix + name;
            String octal = String.format("%06o", mode.getBits());
            if (mode == FileMode.TREE) {
                out.add(new TreeItem(path, octal, "tree", id, -1));
                if (recursive && list(reader, id, path + "/", true, out)) {
                    return true;
                }
            } else if (mode == FileMode.GITLINK) {
                out.add(new TreeItem(path, octal, "commit", id, -1));
            } else {
                out.add(new TreeItem(path, octal, "blob", id, reader.getObjectSize(id, Constants.OBJ_BLOB)));
            }
        }
        return false;
    }

    private ObjectId parseId(String sha) throws NotFoundException {
        if (sha == null || !sha.matches("[0-9a-fA-F]{40}")) {
            throw notFound(sha);
        }
        return ObjectId.fromString(sha);
    }

    private NotFoundException notFound(String sha) {
        return new NotFoundException(RepoPath.ROOT, "no object '" + sha + "' in " + repository.owner() + "/" + repository.name());
    }
}
