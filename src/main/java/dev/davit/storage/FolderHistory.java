package dev.davit.storage;

import dev.davit.storage.objects.RawTree;
import dev.davit.storage.objects.TreeDiff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The times the {@link LastModifiedIndex} gives the members of one folder at one head (and the root's own, for
 * the root folder), found by walking the history back from that head only as far as they need: while the index
 * of a repository is being built (one never opened here, a long history pushed), a listing or a GET is answered
 * from the last few commits instead of waiting for the whole history to be replayed.
 *
 * <p>Exactly the index's answers, or none. The index replays every commit in topological order, each diffed
 * against its first parent ({@link TreeDiff}); walking back along first parents from the head visits the last
 * of those commits in reverse order as long as none of them is a merge (every other commit is an ancestor of the
 * oldest one visited, so it replays before). So a member's last change is the first commit found whose diff
 * reports a file at or below it, and its creation the commit that added it (for a folder: the first change after
 * that, as the index makes a folder's entry when a file below it first changes). A merge is looked at (against its
 * first parent, as the index does), but nothing older: what the index makes of the merged line depends on its
 * order. Whatever the walk cannot tell exactly (past a merge, past {@code budget}, a folder holding no file) it
 * answers with null, and the caller waits for the index.
 *
 * <p>Thread-safe; the walk goes on where the last question left it.
 */
final class FolderHistory {
    /** What the walk knows of one member (or of the root itself). Times in seconds; -1: not found yet. */
    private static final class Member {
        final boolean folder;
        long modified = -1;
        long created = -1;
        /** The oldest change found so far (the root's creation, and a file's where the index dropped it: seeFile). */
        long oldestChange = -1;
        /** Both times are known. */
        boolean done;
        /** The index holds no entry for it (its answer is the caller's fallback). */
        boolean unindexed;
        /** The walk cannot tell its times exactly. */
        boolean lost;
        /**
         * The tree of a folder member as the commit that added it made it, not yet read: its times are that
         * commit's if a file is in it, which is looked at when the member is asked for (the first commit of a
         * folder of 1,000 folders would otherwise read all of them for the one a request names).
         */
        ObjectId unread;

        Member(boolean folder) {
            this.folder = folder;
        }

        void changed(long time) {
            if (modified < 0) {
                modified = time;
            }
            oldestChange = time;
        }
    }

    /** What one commit's diff says of one name directly in the folder. */
    private static final class Event {
        boolean file;
        boolean fileAdded;
        boolean fileDeleted;
        boolean below;
        boolean folderGone;
        /** A folder of this name added here (absent before), its tree not read. */
        ObjectId addedTree;
    }

    private final Supplier<ObjectReader> readers;
    private final ObjectId head;
    private final RepoPath folder;
    private final byte[][] segments;
    private final Budget budget;
    private Map<String, Member> members;
    /** The root folder's own times (null for any other folder: a folder's times are its parent's member's). */
    private Member self;
    /** The commit whose change (against its first parent) the walk looks at next, and the folder's tree in it. */
    private ObjectId next;
    private ObjectId nextTree;
    /** The bytes of {@link #nextTree}, read as the older tree of the last step (each tree is read once). */
    private byte[] nextBytes;
    /** No older commit may be looked at (a merge was, or the history ended). */
    private boolean ended;

    /** Bytes of trees read that cost one unit of a {@link Budget}, as one commit does. */
    static final int UNIT_BYTES = 8192;

    /**
     * What the walks of one head may still cost, shared by them (a deep listing walks for each folder); past it
     * they give up and the index is waited for. Units (one per commit looked at, one per {@value #UNIT_BYTES}
     * bytes of trees read: a step through a folder of 10,000 files reads ~400 KB) and time, both: walking back
     * through a pack git fast-import wrote resolves each tree's deltas from its older versions, several times the
     * cost of the index's replay forwards, and more on a busy machine. Thread-safe.
     */
    static final class Budget {
        private final AtomicLong units;
        private final AtomicLong nanos;
        private final LongSupplier nanoTime;

        Budget(long units, long nanos, LongSupplier nanoTime) {
            this.units = new AtomicLong(units);
            this.nanos = new AtomicLong(nanos);
            this.nanoTime = nanoTime;
        }

        boolean left() {
            return units.get() > 0 && nanos.get() > 0;
        }

        void spend(long u, long n) {
            units.addAndGet(-u);
            nanos.addAndGet(-n);
        }
    }

    /** @param budget what the walks of this head may still cost, shared by them */
    FolderHistory(Supplier<ObjectReader> readers, ObjectId head, RepoPath folder, Budget budget) {
        this.readers = readers;
        this.head = head.copy();
        this.folder = folder;
        this.budget = budget;
        List<String> segs = folder.segments();
        this.segments = new byte[segs.size()][];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = segs.get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * The times of {@code name} in the folder at the head ({@code created} null unless {@code withCreated}), the
     * index's answer: {@code fallback} for both where the index holds nothing. Null when the walk cannot tell.
     */
    synchronized Timestamps member(String name, boolean withCreated, Instant fallback) throws IOException {
        start();
        Member m = members.get(name);
        return m == null ? null : answer(m, withCreated, fallback);
    }

    /** The root folder's own times, as {@link #member}. */
    synchronized Timestamps root(boolean withCreated, Instant fallback) throws IOException {
        if (!folder.isRoot()) {
            throw new IllegalStateException("only the root folder has its own times here");
        }
        start();
        return answer(self, withCreated, fallback);
    }

    private Timestamps answer(Member m, boolean withCreated, Instant fallback) throws IOException {
        if (m.unread != null) {
            try (ObjectReader reader = readers.get()) {
                if (!TreeDiff.differs(reader, null, m.unread)) {
                    m.lost = true; // added holding no file, which the index never dates
                }
            }
            m.unread = null;
        }
        if (!answerable(m, withCreated) && !m.lost) {
            try (ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
                rw.setRetainBody(false);
                while (!answerable(m, withCreated) && !m.lost) {
                    if (ended || !budget.left()) {
                        loseUnfinished();
                        break;
                    }
                    long t0 = budget.nanoTime.getAsLong();
                    int units = step(reader, rw);
                    budget.spend(units, budget.nanoTime.getAsLong() - t0);
                }
            }
        }
        if (!answerable(m, withCreated)) {
            return null;
        }
        if (m.unindexed) {
            return new Timestamps(fallback, fallback);
        }
        return new Timestamps(withCreated ? Instant.ofEpochSecond(m.created) : null, Instant.ofEpochSecond(m.modified));
    }

    /**
     * True when the walk knows what was asked: the last change is exact as soon as it is found (whatever older
     * commits hold), the creation once the commit that added the member is.
     */
    private static boolean answerable(Member m, boolean withCreated) {
        return m.unindexed || (withCreated ? m.done : m.modified >= 0);
    }

    /** The members as the folder's tree at the head holds them (hidden names too: the index knows them). */
    private void start() throws IOException {
        if (members != null) {
            return;
        }
        members = new HashMap<>();
        self = folder.isRoot() ? new Member(true) : null;
        try (ObjectReader reader = readers.get(); RevWalk rw = new RevWalk(reader)) {
            RevCommit c = rw.parseCommit(head);
            next = c.copy();
            nextTree = folderTree(reader, c.getTree(), new int[1]);
            if (nextTree == null) {
                ended = true; // no such folder: nothing to tell
                return;
            }
            nextBytes = read(reader, nextTree);
            RawTree t = RawTree.parse(nextBytes);
            for (int i = 0; i < t.size(); i++) {
                members.put(t.name(i), new Member(t.isTree(i)));
            }
        }
    }

    /** Looks at commit {@link #next}: its diff against its first parent, within the folder. Returns its cost. */
    private int step(ObjectReader reader, RevWalk rw) throws IOException {
        RevCommit c = rw.parseCommit(next);
        long time = c.getCommitTime();
        RevCommit parent = c.getParentCount() > 0 ? c.getParent(0) : null;
        int[] bytesRead = {0};
        ObjectId olderTree = null;
        if (parent != null) {
            rw.parseHeaders(parent);
            olderTree = folderTree(reader, parent.getTree(), bytesRead);
        }
        byte[] olderBytes = nextBytes;
        if (nextTree == null || !nextTree.equals(olderTree)) { // the same tree: nothing below the folder changed
            olderBytes = olderTree == null ? null : read(reader, olderTree);
            bytesRead[0] += olderBytes == null ? 0 : olderBytes.length;
            see(reader, olderBytes, time);
        }
        if (parent == null || c.getParentCount() > 1) {
            ended = true; // the history ends, or a merge: what came before is the index's to tell
            if (parent == null && self != null && !self.done && !self.lost) {
                // The root is never removed: it was created by the first change there was.
                if (self.oldestChange >= 0) {
                    self.created = self.oldestChange;
                    self.done = true;
                } else {
                    self.unindexed = true; // no commit ever changed a file: the index never made it
                    self.done = true;
                }
            }
        }
        next = parent == null ? null : parent.copy();
        nextTree = olderTree;
        nextBytes = olderBytes;
        return 1 + bytesRead[0] / UNIT_BYTES;
    }

    /** The changes from {@code olderBytes} (null: no such folder) to {@link #nextBytes}, made at {@code time}. */
    private void see(ObjectReader reader, byte[] olderBytes, long time) throws IOException {
        if (nextTree == null) {
            loseUnfinished(); // the folder did not exist here, yet the walk still looks for something: not a history the index dates
            return;
        }
        Map<String, Event> events = new HashMap<>();
        boolean[] any = {false};
        TreeDiff.diff(reader, olderBytes, nextBytes, new TreeDiff.Visitor() {
            @Override
            public void file(String path, boolean added, boolean deleted) {
                any[0] = true;
                int slash = path.indexOf('/');
                Event e = events.computeIfAbsent(slash < 0 ? path : path.substring(0, slash), k -> new Event());
                if (slash < 0) {
                    e.file = true;
                    e.fileAdded |= added;
                    e.fileDeleted |= deleted;
                } else {
                    e.below = true;
                }
            }

            @Override
            public void folderGone(String path) {
                if (path.indexOf('/') < 0) {
                    events.computeIfAbsent(path, k -> new Event()).folderGone = true;
                }
            }

            /**
             * Nothing below a member but whether any file there differs matters: asked of the member's trees,
             * which stops at the first file, instead of every file of them being reported (the first commit of
             * a folder of 100,000 files reports them all); and not asked at all when nobody needs it.
             */
            @Override
            public boolean descend(String path, ObjectId oldTree, ObjectId newTree) throws IOException {
                Member m = members.get(path);
                boolean forMember = m != null && !m.done && !m.lost;
                boolean forSelf = self != null && !self.done && !self.lost && !any[0];
                if (forMember) {
                    Event e = events.computeIfAbsent(path, k -> new Event());
                    e.folderGone |= newTree == null; // as TreeDiff reports a folder gone, with or without files
                    if (oldTree == null && !forSelf) {
                        e.addedTree = newTree.copy(); // read when the member is asked for
                    } else if (TreeDiff.differs(reader, oldTree, newTree)) {
                        e.below = true;
                        any[0] = true;
                    }
                } else if (forSelf && TreeDiff.differs(reader, oldTree, newTree)) {
                    any[0] = true;
                }
                return false;
            }
        });
        if (self != null && !self.done && !self.lost && any[0]) {
            self.changed(time);
        }
        for (Map.Entry<String, Event> ev : events.entrySet()) { // members not named here did not change
            Member m = members.get(ev.getKey());
            if (m == null || m.done || m.lost) {
                continue;
            }
            if (m.folder) {
                seeFolder(ev.getKey(), m, ev.getValue(), olderBytes, time);
            } else {
                seeFile(m, ev.getValue(), time);
            }
        }
    }

    private static void seeFile(Member m, Event e, long time) {
        if (e.fileDeleted) {
            m.lost = true; // gone here yet there at the head, with no commit adding it in between
        } else if (e.below || e.folderGone) {
            if (e.fileAdded) {
                // A folder replaced by this file: the index drops the file's entry with the folder's at the end of
                // this commit, and makes it again at its next change, if any came.
                if (m.modified >= 0) {
                    m.created = m.oldestChange;
                } else {
                    m.unindexed = true;
                }
                m.done = true;
            } else {
                m.lost = true; // a file and a folder of one name in one tree: not a history the index dates
            }
        } else if (e.file) {
            m.changed(time);
            if (e.fileAdded) {
                m.created = time;
                m.done = true;
            }
        }
    }

    /**
     * A folder member named in a commit's diff. One added by a commit that put no file in it (which the index
     * never dates) goes unnoticed: the walk goes on, and meets no older change of it, only, at the latest, its
     * going, where it gives up.
     */
    private static void seeFolder(String name, Member m, Event e, byte[] olderBytes, long time) throws IOException {
        if (e.folderGone) {
            m.lost = true; // gone here yet there at the head, with no commit adding it in between
            return;
        }
        if (e.addedTree != null) {
            // Added here: its times are this commit's, if a file is in it (read when it is asked for).
            m.changed(time);
            m.created = time;
            m.done = true;
            m.unread = e.addedTree;
            return;
        }
        if (!e.below) {
            return; // a file of its name gone or made here: a change of that file, not of the folder
        }
        m.changed(time);
        RawTree.Found before = olderBytes == null ? null : RawTree.scan(olderBytes, name.getBytes(StandardCharsets.UTF_8));
        if (before == null || !before.isTree()) {
            // Added here, and changed: the index made its entry here (at the first change after its adding).
            m.created = time;
            m.done = true;
        }
    }

    private void loseUnfinished() {
        ended = true;
        for (Member m : members.values()) {
            if (!m.done) {
                m.lost = true;
            }
        }
        if (self != null && !self.done) {
            self.lost = true;
        }
    }

    /**
     * The folder's tree in the commit whose root tree is {@code root}, or null when it is not a folder there; adds
     * the bytes of the trees read on the way to {@code bytesRead}.
     */
    private ObjectId folderTree(ObjectReader reader, ObjectId root, int[] bytesRead) throws IOException {
        ObjectId at = root;
        for (byte[] segment : segments) {
            byte[] t = read(reader, at);
            bytesRead[0] += t.length;
            RawTree.Found f = RawTree.scan(t, segment);
            if (f == null || !f.isTree()) {
                return null;
            }
            at = f.id();
        }
        return at;
    }

    private static byte[] read(ObjectReader reader, ObjectId tree) throws IOException {
        return reader.open(tree, Constants.OBJ_TREE).getCachedBytes();
    }
}
