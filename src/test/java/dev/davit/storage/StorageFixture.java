package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/** A real bare repository in a temporary directory and small helpers for storage tests. */
final class StorageFixture implements AutoCloseable {
    static final Identity ALICE = new Identity("Alice", "alice@example.org");
    static final Identity BOB = new Identity("Bob", "bob@example.org");

    final Repositories repositories;
    final GitRepository repo;

    private StorageFixture(Repositories repositories, GitRepository repo) {
        this.repositories = repositories;
        this.repo = repo;
    }

    /** An empty repository (no commit yet). */
    static StorageFixture empty(Path tmp) throws Exception {
        return withSource(tmp, null);
    }

    /** A repository whose first commit imports {@code source} (null for none). */
    static StorageFixture withSource(Path tmp, Path source) throws Exception {
        Repositories r = new Repositories(tmp.resolve("data"), false);
        return new StorageFixture(r, r.createIfMissing("o", "r", source, ALICE));
    }

    Path gitDir() {
        return repositories.dataDir().resolve("o").resolve("r.git");
    }

    static RepoPath p(String path) {
        try {
            return RepoPath.parse(path);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(e);
        }
    }

    ObjectId blob(String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        return repo.insertBlob(new ByteArrayInputStream(b), b.length);
    }

    WriteResult<Void> put(String path, String content) throws Exception {
        ObjectId id = blob(content);
        return repo.write(ALICE, "PUT " + path, edit -> {
            edit.putFile(p(path), id);
            return null;
        });
    }

    WriteResult<Void> mkdir(String path) throws Exception {
        return repo.write(ALICE, "MKCOL " + path, edit -> {
            edit.mkdir(p(path));
            return null;
        });
    }

    WriteResult<Boolean> delete(String path) throws Exception {
        return repo.write(ALICE, "DELETE " + path, edit -> edit.delete(p(path)));
    }

    Optional<Entry> lookup(String path) throws IOException {
        try (Snapshot s = repo.head()) {
            return s.lookup(p(path));
        }
    }

    /** The content of a file at the head, or null when there is none. */
    String read(String path) throws IOException {
        try (Snapshot s = repo.head()) {
            return read(s, path);
        }
    }

    static String read(Snapshot s, String path) throws IOException {
        Optional<Entry> e = s.lookup(p(path));
        if (e.isEmpty() || e.get().isFolder()) {
            return null;
        }
        try (InputStream in = s.open(e.get())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Names of the visible members of a folder at the head. */
    List<String> list(String folder) throws IOException {
        try (Snapshot s = repo.head()) {
            Entry f = s.lookup(p(folder)).orElseThrow();
            return s.list(f).stream().map(Entry::name).toList();
        }
    }

    /** Every visible path below the root, depth-first. */
    List<String> walkAll() throws IOException {
        List<String> out = new ArrayList<>();
        try (Snapshot s = repo.head()) {
            s.walk(s.root(), Integer.MAX_VALUE, (e, props) -> out.add(e.path() + (e.isFolder() ? "/" : "")));
        }
        return out;
    }

    /** Commits reachable from the head. */
    List<RevCommit> history() throws IOException {
        List<RevCommit> out = new ArrayList<>();
        ObjectId head = repo.headId();
        if (head == null) {
            return out;
        }
        try (RevWalk rw = new RevWalk(repo.jgit())) {
            rw.markStart(rw.parseCommit(head));
            for (RevCommit c : rw) {
                out.add(c);
            }
        }
        return out;
    }

    int commitCount() throws IOException {
        return history().size();
    }

    RevCommit headCommit() throws IOException {
        try (RevWalk rw = new RevWalk(repo.jgit())) {
            return rw.parseCommit(repo.headId());
        }
    }

    /** Runs {@code git fsck --full --strict} on the bare repository and asserts that it passes. */
    void assertFsckClean() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("git", "--git-dir=" + gitDir(), "fsck", "--full", "--strict", "--no-dangling");
        pb.redirectErrorStream(true);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as("git fsck output:\n%s", out).isZero();
        assertThat(out).as("git fsck output").doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("warning");
    }

    /** Number of loose object files in the object store. */
    long looseObjects() throws IOException {
        Path objects = gitDir().resolve("objects");
        try (Stream<Path> s = Files.walk(objects)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> f.getParent().getFileName().toString().matches("[0-9a-f]{2}"))
                    .count();
        }
    }

    @Override
    public void close() {
        repositories.close();
    }
}
