package dev.davit.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * For every path of the branch: the time of the commit that created it and of the last commit that
 * changed it (a folder changes when anything below it does). Kept up to date by replaying only the new
 * commits after each write or push, so {@code getlastmodified} never walks history on a request.
 * Thread-safe.
 */
final class LastModifiedIndex {
    private final Map<String, long[]> times = new HashMap<>();
    private ObjectId indexed;

    /**
     * Replays the commits between the last indexed head and {@code head} (all of them the first time).
     * {@code readers} gives the repository's caching reader: the trees just written are in memory, and
     * reading them back from their loose files on every commit cost more than the diff itself.
     */
    synchronized void catchUp(java.util.function.Supplier<org.eclipse.jgit.lib.ObjectReader> readers, ObjectId head) throws IOException {
        if (head == null || head.equals(indexed)) {
            return;
        }
        try (org.eclipse.jgit.lib.ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
            rw.sort(RevSort.TOPO, true);
            rw.sort(RevSort.REVERSE, true);
            rw.markStart(rw.parseCommit(head));
            if (indexed != null) {
                rw.markUninteresting(rw.parseCommit(indexed));
            }
            for (RevCommit c; (c = rw.next()) != null; ) {
                apply(rw, c);
            }
        }
        indexed = head.copy();
    }

    private void apply(RevWalk rw, RevCommit c) throws IOException {
        long time = c.getCommitTime();
        try (TreeWalk tw = new TreeWalk(rw.getObjectReader())) {
            if (c.getParentCount() > 0) {
                tw.addTree(rw.parseCommit(c.getParent(0)).getTree());
            } else {
                tw.addTree(new EmptyTreeIterator());
            }
            tw.addTree(c.getTree());
            tw.setRecursive(true);
            tw.setFilter(TreeFilter.ANY_DIFF);
            boolean any = false;
            java.util.Set<String> emptiedCandidates = new java.util.HashSet<>();
            while (tw.next()) {
                any = true;
                String path = tw.getPathString();
                boolean added = tw.getFileMode(0) == FileMode.MISSING;
                boolean deleted = tw.getFileMode(1) == FileMode.MISSING;
                if (deleted) {
                    times.remove(path);
                    for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
                        emptiedCandidates.add(path.substring(0, slash));
                    }
                } else {
                    long[] t = times.get(path);
                    if (t == null || added) {
                        times.put(path, new long[] {time, time});
                    } else {
                        t[1] = time;
                    }
                }
                touchAncestors(path, time);
            }
            if (any) {
                touchAncestors("", time);
            }
            // A folder whose last file went is gone too: forget it, so a folder made again later is
            // created by the commit that makes it.
            for (String folder : emptiedCandidates) {
                try (TreeWalk probe = TreeWalk.forPath(rw.getObjectReader(), folder, c.getTree())) {
                    if (probe == null) {
                        times.remove(folder);
                    }
                }
            }
        }
    }

    private void touchAncestors(String path, long time) {
        int slash = path.lastIndexOf('/');
        while (slash > 0) {
            String folder = path.substring(0, slash);
            long[] t = times.get(folder);
            if (t == null) {
                times.put(folder, new long[] {time, time});
            } else {
                t[1] = time;
            }
            slash = folder.lastIndexOf('/');
        }
        long[] root = times.computeIfAbsent("", k -> new long[] {time, time});
        root[1] = Math.max(root[1], time);
    }

    /** Times of {@code path}; {@code fallback} for both when the path is unknown to the index. */
    synchronized Timestamps get(RepoPath path, Instant fallback) {
        long[] t = times.get(path.toString());
        if (t == null) {
            return new Timestamps(fallback, fallback);
        }
        return new Timestamps(Instant.ofEpochSecond(t[0]), Instant.ofEpochSecond(t[1]));
    }

}
