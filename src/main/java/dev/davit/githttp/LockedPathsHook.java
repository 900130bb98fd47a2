package dev.davit.githttp;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

import dev.davit.lock.Lock;
import dev.davit.lock.LockStore;
import dev.davit.storage.GitRepository;
import dev.davit.storage.HiddenNames;

/**
 * Refuses a push to {@code main} that adds, changes or deletes a path someone else holds a WebDAV lock
 * on: the same rule as a WebDAV write without the lock's token (DESIGN.md, lock collision). The lock's
 * holder may push; their token cannot travel over git, so the principal stands for it. Other branches
 * are not served over WebDAV and are not checked. Deleting {@code main} is refused: WebDAV serves it.
 */
final class LockedPathsHook implements PreReceiveHook {
    private final LockStore locks;
    private final String repository;
    private final String pusher;

    LockedPathsHook(LockStore locks, String repository, String pusher) {
        this.locks = locks;
        this.repository = repository;
        this.pusher = pusher;
    }

    @Override
    public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
        for (ReceiveCommand c : commands) {
            if (c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED || !c.getRefName().equals(GitRepository.BRANCH)) {
                continue;
            }
            if (c.getType() == ReceiveCommand.Type.DELETE) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "main is the branch WebDAV serves; it cannot be deleted");
                continue;
            }
            try {
                Optional<String> refusal = lockedPath(rp, c.getOldId(), c.getNewId());
                refusal.ifPresent(msg -> c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, msg));
            } catch (IOException e) {
                c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "cannot check WebDAV locks: " + e.getMessage());
            }
        }
    }

    private Optional<String> lockedPath(ReceivePack rp, ObjectId oldId, ObjectId newId) throws IOException {
        for (String path : changedPaths(rp, oldId, newId)) {
            for (Lock l : relevantLocks(path)) {
                if (!l.principal().equals(pusher)) {
                    return Optional.of("/" + path + " is locked over WebDAV by " + l.principal() + " (lock on /" + l.root()
                            + ", " + l.scope().name().toLowerCase(java.util.Locale.ROOT) + ", depth "
                            + (l.infinite() ? "infinity" : "0") + ", expires " + l.expires() + ")");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Locks a change of {@code path} collides with: those covering it, and, since adding or removing a file
     * changes its folder's membership, those rooted on its folder (RFC 4918 §7.4). A hidden helper file
     * (a dead-property sidecar, a keep file) belongs to the file or folder beside it: its folder counts.
     */
    private List<Lock> relevantLocks(String path) {
        int slash = path.lastIndexOf('/');
        String folder = slash < 0 ? "" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        Set<Lock> out = new LinkedHashSet<>();
        if (!HiddenNames.isHidden(name)) {
            out.addAll(locks.covering(repository, path));
        }
        out.addAll(locks.covering(repository, folder));
        return List.copyOf(out);
    }

    /** Every file path that differs between the two commits (old = zero id: a new branch). */
    private static Set<String> changedPaths(ReceivePack rp, ObjectId oldId, ObjectId newId) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        try (RevWalk rw = new RevWalk(rp.getRepository()); TreeWalk tw = new TreeWalk(rp.getRepository())) {
            if (oldId == null || ObjectId.zeroId().equals(oldId)) {
                tw.addTree(new EmptyTreeIterator());
            } else {
                tw.addTree(rw.parseCommit(oldId).getTree());
            }
            tw.addTree(rw.parseCommit(newId).getTree());
            tw.setRecursive(true);
            tw.setFilter(TreeFilter.ANY_DIFF);
            while (tw.next()) {
                out.add(tw.getPathString());
            }
        }
        return out;
    }
}
