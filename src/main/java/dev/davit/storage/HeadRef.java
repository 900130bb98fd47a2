package dev.davit.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;

/**
 * The branch's current commit, remembered between requests. Every request needs it, and JGit's
 * {@code exactRef} re-checks packed-refs and the loose ref file with several system calls and allocations
 * each time: a fifth of the CPU of a small GET. Here one {@code stat} of the loose ref file decides: git
 * replaces that file by a rename on every update (a new inode, a new mtime), so unchanged attributes mean an
 * unchanged branch, whoever moves it (this server, a push, another process). Two cases still go to JGit:
 * the file does not exist (the ref is packed), or it was modified so recently that a second update within
 * the file system's timestamp granularity could hide behind the same mtime (as git's "racily clean"
 * rule). This server's own writes {@link #forget()} the value as they move the branch. Thread-safe.
 */
final class HeadRef {
    /** A file modified less than this before it was looked at is not trusted by its attributes alone. */
    private static final long RACY_NANOS = 50_000_000L;

    private record Seen(ObjectId id, Object fileKey, long mtimeNanos, long size, long seenAtNanos) {
    }

    private final Repository repo;
    private final String name;
    private final Path file;
    private volatile Seen seen;

    HeadRef(Repository repo, String name) {
        this.repo = repo;
        this.name = name;
        this.file = repo.getDirectory().toPath().resolve(name);
    }

    /** The commit the branch points at, or null when it does not exist yet. */
    ObjectId read() throws IOException {
        BasicFileAttributes a = attributes();
        Seen s = seen;
        if (a != null && s != null && Objects.equals(s.fileKey(), a.fileKey()) && s.size() == a.size()
                && s.mtimeNanos() == mtimeNanos(a) && s.seenAtNanos() - s.mtimeNanos() > RACY_NANOS) {
            return s.id();
        }
        // The attributes are taken before the read: a change after them shows up as a difference next time.
        long now = wallNanos();
        Ref ref = repo.exactRef(name);
        ObjectId id = ref == null ? null : ref.getObjectId();
        seen = a == null || a.fileKey() == null ? null : new Seen(id, a.fileKey(), mtimeNanos(a), a.size(), now);
        return id;
    }

    /** Drops the remembered value: the next {@link #read()} asks JGit. */
    void forget() {
        seen = null;
    }

    private BasicFileAttributes attributes() throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static long mtimeNanos(BasicFileAttributes a) {
        return a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
