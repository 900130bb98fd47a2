package dev.davit.storage.history;

import dev.davit.storage.GitRepository;
import dev.davit.storage.HiddenNames;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * Read-only questions about a repository's commits: resolve a revision, describe a commit, page through
 * the history of a path, diff two commits, compare two revisions, list branches. Paths under Davit's
 * hidden helper files never appear in a diff. Thread-safe (every call opens its own walk).
 */
public final class History {
    private final GitRepository repository;
    private final Repository repo;

    /** Commits, history, diffs and branches of {@code repository}. */
    public static History of(GitRepository repository) {
        return new History(repository);
    }

    private History(GitRepository repository) {
        this.repository = repository;
        this.repo = repository.disk();
    }

    /**
     * The commit {@code rev} names: a full or abbreviated commit id, a branch or tag name ({@code main},
     * {@code refs/heads/main}).
     *
     * @throws NotFoundException when it names no commit (unknown, ambiguous, malformed, not a commit)
     */
    public ObjectId resolve(String rev) throws IOException, NotFoundException {
        NotFoundException notFound = new NotFoundException(RepoPath.ROOT,
                "no commit '" + rev + "' in " + repository.owner() + "/" + repository.name());
        if (rev == null || rev.isEmpty()) {
            throw notFound;
        }
        List<String> candidates = new ArrayList<>();
        if (rev.matches("[0-9a-fA-F]{4,40}")) {
            candidates.add(rev);
        }
        if (rev.startsWith(Constants.R_REFS)) {
            candidates.add(rev);
        } else if (Repository.isValidRefName(Constants.R_HEADS + rev)) {
            // Only names that are refs are resolved: git's revision syntax (HEAD~2, main^{tree}, @{...}) is
            // not part of this API, and "HEAD" would be the symbolic ref, not a branch.
            candidates.add(Constants.R_HEADS + rev);
            candidates.add(Constants.R_TAGS + rev);
        }
        for (String c : candidates) {
            try {
                ObjectId id = resolveCommit(c);
                if (id != null) {
                    return id;
                }
            } catch (AmbiguousObjectException | MissingObjectException | IncorrectObjectTypeException | RevisionSyntaxException e) {
                // try the next reading of the name
            }
        }
        throw notFound;
    }

    /** A candidate name read as a commit, the branch and ids of commits not yet on disk included. */
    private ObjectId resolveCommit(String name) throws IOException {
        if (name.equals(GitRepository.BRANCH) || name.matches("[0-9a-fA-F]{4,40}")) {
            ObjectId id = repository.resolve(name);
            if (id == null) {
                return null;
            }
            try (RevWalk rw = new RevWalk(repository.newReader())) {
                return rw.parseCommit(id).copy(); // tags are not peeled here: an id must name a commit
            } catch (IncorrectObjectTypeException e) {
                return null;
            }
        }
        return repo.resolve(name + "^{commit}");
    }

    /** The commit {@code rev} names, described. */
    public CommitInfo commit(String rev) throws IOException, NotFoundException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            return describe(rw.parseCommit(resolve(rev)));
        }
    }

    /** The commit with id {@code id}, described. */
    public CommitInfo commit(ObjectId id) throws IOException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            return describe(rw.parseCommit(id));
        }
    }

    /**
     * The history from {@code start}, newest first, limited to commits that changed {@code path} (the
     * root means every commit), skipping {@code skip} and returning at most {@code limit}.
     */
    public CommitPage log(ObjectId start, RepoPath path, int skip, int limit) throws IOException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            if (!path.isRoot()) {
                // ANY_DIFF with a path filter makes the walk simplify history to the commits that touched it.
                rw.setTreeFilter(AndTreeFilter.create(PathFilter.create(path.toString()), TreeFilter.ANY_DIFF));
            }
            rw.markStart(rw.parseCommit(start));
            List<CommitInfo> page = new ArrayList<>();
            int seen = 0;
            for (RevCommit c : rw) {
                if (seen++ < skip) {
                    continue;
                }
                if (page.size() == limit) {
                    return new CommitPage(page, true);
                }
                page.add(describe(c));
            }
            return new CommitPage(page, false);
        }
    }

    /**
     * The files that differ from commit {@code from} (null: the empty tree, as for a first commit) to
     * commit {@code to}, with renames detected and unified-diff patches with three lines of context.
     */
    public List<FileChange> changes(ObjectId from, ObjectId to) throws IOException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            ObjectId a = from == null ? null : rw.parseCommit(from).getTree();
            ObjectId b = rw.parseCommit(to).getTree();
            return diff(a, b);
        }
    }

    /** Compares {@code base} with {@code head}, both revisions as {@link #resolve} reads them. */
    public Comparison compare(String base, String head) throws IOException, NotFoundException {
        ObjectId baseId = resolve(base);
        ObjectId headId = resolve(head);
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            RevCommit b = rw.parseCommit(baseId);
            RevCommit h = rw.parseCommit(headId);
            rw.setRevFilter(RevFilter.MERGE_BASE);
            rw.markStart(b);
            rw.markStart(h);
            RevCommit mergeBase = rw.next();
            rw.reset();
            rw.setRevFilter(RevFilter.ALL);

            List<CommitInfo> ahead = new ArrayList<>();
            rw.markStart(rw.parseCommit(headId));
            rw.markUninteresting(rw.parseCommit(baseId));
            for (RevCommit c : rw) {
                ahead.add(describe(c));
            }
            Collections.reverse(ahead); // GitHub lists the compared commits oldest first
            rw.reset();
            rw.markStart(rw.parseCommit(baseId));
            rw.markUninteresting(rw.parseCommit(headId));
            int behind = 0;
            for (RevCommit ignored : rw) {
                behind++;
            }
            List<FileChange> files = diff(mergeBase == null ? null : rw.parseCommit(mergeBase).getTree(),
                    rw.parseCommit(headId).getTree());
            return new Comparison(commit(baseId), commit(headId), mergeBase == null ? null : commit(mergeBase.copy()),
                    ahead, behind, files);
        }
    }

    /** The branches, by name. */
    public List<Branch> branches() throws IOException {
        List<Branch> out = new ArrayList<>();
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
            ObjectId id = r.getName().equals(GitRepository.BRANCH) ? repository.headId() : r.getObjectId();
            if (id != null) {
                out.add(new Branch(r.getName().substring(Constants.R_HEADS.length()), id));
            }
        }
        ObjectId head = repository.headId();
        if (head != null && out.stream().noneMatch(b -> b.name().equals("main"))) {
            out.add(new Branch("main", head)); // a first commit the disk does not have yet
        }
        out.sort((x, y) -> x.name().compareTo(y.name()));
        return out;
    }

    /**
     * How many commits are reachable from {@code start} but not from {@code exclude} (null: none excluded),
     * counting only those that changed {@code path} unless it is the root. One walk without commit bodies;
     * callers remember the answer per head (the REST API's {@code Link rel="last"}).
     */
    public long count(ObjectId start, ObjectId exclude, RepoPath path) throws IOException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            rw.setRetainBody(false);
            if (!path.isRoot()) {
                rw.setTreeFilter(AndTreeFilter.create(PathFilter.create(path.toString()), TreeFilter.ANY_DIFF));
            }
            rw.markStart(rw.parseCommit(start));
            if (exclude != null) {
                rw.markUninteresting(rw.parseCommit(exclude));
            }
            long n = 0;
            for (RevCommit c = rw.next(); c != null; c = rw.next()) {
                n++;
            }
            return n;
        }
    }

    /** True when {@code ancestor} is {@code commit} or reachable from it. */
    public boolean isAncestor(ObjectId ancestor, ObjectId commit) throws IOException {
        try (RevWalk rw = new RevWalk(repository.newReader())) {
            rw.setRetainBody(false);
            return rw.isMergedInto(rw.parseCommit(ancestor), rw.parseCommit(commit));
        }
    }

    /**
     * The refs whose full names start with {@code prefix} ({@code refs/} for all, {@code refs/tags/} for
     * tags), sorted by name, annotated tags peeled to their commit.
     */
    public List<NamedRef> refs(String prefix) throws IOException {
        List<NamedRef> out = new ArrayList<>();
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(prefix)) {
            if (r.getObjectId() == null || r.isSymbolic()) {
                continue;
            }
            Ref peeled = r.isPeeled() ? r : repo.getRefDatabase().peel(r);
            if (r.getName().equals(GitRepository.BRANCH)) {
                continue; // from memory below: the disk may not have the newest commit yet
            }
            ObjectId commit = peeled.getPeeledObjectId() != null ? peeled.getPeeledObjectId() : r.getObjectId();
            out.add(new NamedRef(r.getName(), r.getObjectId(), commit, peeled.getPeeledObjectId() != null));
        }
        ObjectId head = repository.headId();
        if (head != null && GitRepository.BRANCH.startsWith(prefix)) {
            out.add(new NamedRef(GitRepository.BRANCH, head, head, false));
        }
        out.sort((x, y) -> x.name().compareTo(y.name()));
        return out;
    }

    private List<FileChange> diff(ObjectId oldTree, ObjectId newTree) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DiffFormatter fmt = new DiffFormatter(buf)) {
            fmt.setReader(repository.newReader(), repo.getConfig()); // sees commits not yet on disk too
            fmt.setDiffComparator(RawTextComparator.DEFAULT);
            fmt.setDetectRenames(true);
            List<FileChange> out = new ArrayList<>();
            for (DiffEntry e : fmt.scan(oldTree, newTree)) {
                if (isHiddenPath(e.getOldPath()) || isHiddenPath(e.getNewPath())) {
                    continue;
                }
                FileHeader header = fmt.toFileHeader(e);
                int additions = 0;
                int deletions = 0;
                for (Edit edit : header.toEditList()) {
                    additions += edit.getLengthB();
                    deletions += edit.getLengthA();
                }
                String patch = null;
                if (header.getPatchType() == FileHeader.PatchType.UNIFIED) {
                    buf.reset();
                    fmt.format(header);
                    fmt.flush();
                    patch = hunksOnly(buf.toString(StandardCharsets.UTF_8));
                }
                boolean removed = e.getChangeType() == DiffEntry.ChangeType.DELETE;
                String path = removed ? e.getOldPath() : e.getNewPath();
                ObjectId blob = (removed ? e.getOldId() : e.getNewId()).toObjectId();
                String previous = switch (e.getChangeType()) {
                    case RENAME, COPY -> e.getOldPath();
                    default -> null;
                };
                out.add(new FileChange(status(e.getChangeType()), path, previous, blob, additions, deletions, patch));
            }
            return out;
        }
    }

    /** GitHub's {@code patch} field holds the hunks, without git's {@code diff --git}/index/---/+++ header. */
    private static String hunksOnly(String formatted) {
        int at = formatted.startsWith("@@") ? 0 : formatted.indexOf("\n@@");
        return at < 0 ? "" : formatted.substring(at == 0 ? 0 : at + 1);
    }

    private static String status(DiffEntry.ChangeType t) {
        return switch (t) {
            case ADD -> "added";
            case DELETE -> "removed";
            case MODIFY -> "modified";
            case RENAME -> "renamed";
            case COPY -> "copied";
        };
    }

    private static boolean isHiddenPath(String path) {
        if (path == null || path.equals(DiffEntry.DEV_NULL)) {
            return false;
        }
        for (String seg : path.split("/")) {
            if (HiddenNames.isHidden(seg)) {
                return true;
            }
        }
        return false;
    }

    public static CommitInfo describe(RevCommit c) {
        List<ObjectId> parents = new ArrayList<>(c.getParentCount());
        for (RevCommit p : c.getParents()) {
            parents.add(p.copy());
        }
        return new CommitInfo(c.copy(), c.getTree().copy(), List.copyOf(parents), person(c.getAuthorIdent()),
                person(c.getCommitterIdent()), c.getFullMessage());
    }

    private static Person person(PersonIdent p) {
        return new Person(p.getName(), p.getEmailAddress(), Instant.ofEpochMilli(p.getWhen().getTime()));
    }
}
