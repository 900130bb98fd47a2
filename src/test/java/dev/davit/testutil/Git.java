package dev.davit.testutil;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;

/** Looks into the test server's bare repository with JGit, independently of the server's code. */
public final class Git {
    private Git() {
    }

    /** {@code git hash-object} of {@code bytes}. */
    public static String blobId(byte[] bytes) {
        return new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, bytes).name();
    }

    public static String blobId(String utf8) {
        return blobId(utf8.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static String quoted(String id) {
        return "\"" + id + "\"";
    }

    private static Repository open(TestServer s) throws IOException {
        return new FileRepositoryBuilder().setGitDir(s.bareRepository().toFile()).setBare().build();
    }

    /** The object id of {@code path} ("" for the root tree) at {@code rev}, or null when absent. */
    public static String idAt(TestServer s, String rev, String path) throws IOException {
        try (Repository r = open(s)) {
            ObjectId id = r.resolve(rev + ":" + path);
            return id == null ? null : id.name();
        }
    }

    /** The object id of {@code path} on main, or null. */
    public static String id(TestServer s, String path) throws IOException {
        return idAt(s, "refs/heads/main", path);
    }

    /** The bytes of a blob at {@code path} on main, or null. */
    public static byte[] bytes(TestServer s, String path) throws IOException {
        try (Repository r = open(s)) {
            ObjectId id = r.resolve("refs/heads/main:" + path);
            return id == null ? null : r.open(id, Constants.OBJ_BLOB).getBytes();
        }
    }

    /** The paths (files, recursively) that the head commit of main changes against its first parent. */
    public static List<String> changedInHead(TestServer s) throws IOException {
        try (Repository r = open(s); RevWalk rw = new RevWalk(r); TreeWalk tw = new TreeWalk(r)) {
            RevCommit c = rw.parseCommit(r.resolve("refs/heads/main"));
            if (c.getParentCount() > 0) {
                tw.addTree(rw.parseCommit(c.getParent(0)).getTree());
            } else {
                tw.addTree(new EmptyTreeIterator());
            }
            tw.addTree(c.getTree());
            tw.setRecursive(true);
            List<String> out = new ArrayList<>();
            for (DiffEntry d : DiffEntry.scan(tw)) {
                out.add(d.getChangeType() == DiffEntry.ChangeType.DELETE ? d.getOldPath() : d.getNewPath());
                if (d.getChangeType() == DiffEntry.ChangeType.RENAME || d.getChangeType() == DiffEntry.ChangeType.COPY) {
                    out.add(d.getOldPath());
                }
            }
            return out;
        }
    }

    public static PersonIdent headAuthor(TestServer s) throws IOException {
        try (Repository r = open(s); RevWalk rw = new RevWalk(r)) {
            return rw.parseCommit(r.resolve("refs/heads/main")).getAuthorIdent();
        }
    }

    /** Commit time (seconds since the epoch) of a commit. */
    public static long commitTime(TestServer s, String commit) throws IOException {
        try (Repository r = open(s); RevWalk rw = new RevWalk(r)) {
            return rw.parseCommit(ObjectId.fromString(commit)).getCommitTime();
        }
    }

    /** All file paths (recursively, hidden helper files included) on main below {@code folder} ("" = all). */
    public static List<String> files(TestServer s, String folder) throws IOException {
        try (Repository r = open(s); RevWalk rw = new RevWalk(r); TreeWalk tw = new TreeWalk(r)) {
            tw.addTree(rw.parseCommit(r.resolve("refs/heads/main")).getTree());
            tw.setRecursive(true);
            List<String> out = new ArrayList<>();
            while (tw.next()) {
                String p = tw.getPathString();
                if (folder.isEmpty() || p.startsWith(folder + "/")) {
                    out.add(p);
                }
            }
            return out;
        }
    }
}
