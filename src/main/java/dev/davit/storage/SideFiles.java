package dev.davit.storage;

import dev.davit.storage.disk.DurableFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

/**
 * Files kept beside the repository instead of in it: the junk that desktops write into every folder
 * they touch ({@code .DS_Store}, AppleDouble {@code ._*}, {@code Thumbs.db}, Office's {@code ~$} owner
 * files). They are readable while they exist but never become commits, so the history holds only what
 * people meant to save. Stored as plain files under the repository's directory; their version is the id
 * git would give the same bytes. Thread-safe for distinct paths (a write is a rename of a finished file).
 * Durable like a commit when {@code durable}: a file is written beside, fsynced, renamed over and its folder
 * fsynced (new folders too) before the request that wrote it is answered, so an acknowledged save sequence
 * (a temp file an editor will rename onto the document next) survives a power cut.
 */
public final class SideFiles {
    /** One file kept aside. */
    public record SideFile(RepoPath path, ObjectId id, long size, Instant modified) {
    }

    private final Path root;
    private final boolean durable;

    SideFiles(Path root, boolean durable) throws IOException {
        this.root = root;
        this.durable = durable;
        Files.createDirectories(root);
    }

    /** Creates {@code dir} and any missing parents below the root, each new name made durable in its parent. */
    private void createFolders(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createFolders(dir.getParent());
        Files.createDirectories(dir);
        syncFolder(dir.getParent());
    }

    private void syncFolder(Path dir) throws IOException {
        if (durable) {
            DurableFiles.forceDirectory(dir);
        }
    }

    private Path file(RepoPath path) {
        Path p = root;
        for (String s : path.segments()) {
            p = p.resolve(s);
        }
        // RepoPath has already refused '..', separators and the rest; this is a second wall.
        if (!p.normalize().startsWith(root)) {
            throw new IllegalArgumentException("outside the side store: " + path);
        }
        return p;
    }

    /** True when a file is kept aside at {@code path} (one stat, nothing read). */
    public boolean has(RepoPath path) {
        return Files.isRegularFile(file(path));
    }

    public Optional<SideFile> get(RepoPath path) throws IOException {
        Path f = file(path);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        return Optional.of(describe(path, f));
    }

    private static SideFile describe(RepoPath path, Path f) throws IOException {
        long size = Files.size(f);
        ObjectId id;
        try (InputStream in = Files.newInputStream(f)) {
            id = new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, size, in);
        }
        return new SideFile(path, id, size, Files.getLastModifiedTime(f).toInstant());
    }

    /** The files kept aside directly in {@code folder}. */
    public List<SideFile> list(RepoPath folder) throws IOException {
        Path dir = file(folder);
        List<SideFile> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                if (Files.isRegularFile(f) && !HiddenNames.isHidden(f.getFileName().toString())) {
                    out.add(describe(folder.child(f.getFileName().toString()), f));
                }
            }
        }
        out.sort((a, b) -> a.path().name().compareTo(b.path().name()));
        return out;
    }

    public InputStream open(RepoPath path) throws IOException {
        return Files.newInputStream(file(path));
    }

    /** Stores (or replaces) a file from a stream; the old version stays readable until the new one is complete. */
    public SideFile put(RepoPath path, InputStream in) throws IOException {
        Path f = file(path);
        createFolders(f.getParent());
        Path tmp = Files.createTempFile(f.getParent(), ".put-", ".tmp");
        try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (durable) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
            syncFolder(f.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
        return describe(path, f);
    }

    public boolean delete(RepoPath path) throws IOException {
        boolean props = Files.deleteIfExists(propsFile(path));
        boolean deleted = Files.deleteIfExists(file(path));
        if (props || deleted) {
            syncFolder(file(path).getParent());
        }
        return deleted;
    }

    private Path propsFile(RepoPath path) {
        return file(path).resolveSibling(HiddenNames.filePropsName(path.name()));
    }

    /** The dead-property document of a kept-aside file, if it has one. */
    public Optional<byte[]> metadata(RepoPath path) throws IOException {
        Path p = propsFile(path);
        return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    /** Replaces (null: removes) the dead-property document of a kept-aside file. */
    public void setMetadata(RepoPath path, byte[] document) throws IOException {
        Path p = propsFile(path);
        if (document == null) {
            if (Files.deleteIfExists(p)) {
                syncFolder(p.getParent());
            }
        } else {
            put(path.parent().child(p.getFileName().toString()), new java.io.ByteArrayInputStream(document));
        }
    }

    /** Removes everything kept aside at or below {@code path} (after a folder is deleted). */
    public void deleteTree(RepoPath path) throws IOException {
        Path top = file(path);
        if (!Files.exists(top)) {
            return;
        }
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        syncFolder(top.getParent());
    }

    /** Copies a kept-aside file, with its dead properties. */
    public SideFile copy(RepoPath from, RepoPath to) throws IOException {
        SideFile f;
        try (InputStream in = open(from)) {
            f = put(to, in);
        }
        setMetadata(to, metadata(from).orElse(null));
        return f;
    }

    /** Moves what is kept aside at or below {@code from} to {@code to} (a file or folder MOVE). */
    public void move(RepoPath from, RepoPath to) throws IOException {
        Path src = file(from);
        if (!Files.exists(src)) {
            return;
        }
        Path dst = file(to);
        deleteTree(to);
        createFolders(dst.getParent());
        Path props = propsFile(from);
        if (Files.isRegularFile(src) && Files.exists(props)) {
            Files.move(props, propsFile(to), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(src, dst, StandardCopyOption.REPLACE_EXISTING);
        // The new name first: a power cut between the two syncs leaves the file under both names, never none.
        syncFolder(dst.getParent());
        if (!src.getParent().equals(dst.getParent())) {
            syncFolder(src.getParent());
        }
    }
}
