package dev.davit.storage;

import dev.davit.storage.disk.DurableFiles;
import dev.davit.storage.disk.StagedSwap;

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
 *
 * <p>Cluster mode ({@link #replicate}): every change is a {@link Change}, one entry of the replicated log,
 * committed on a majority and applied on every node in the log's order ({@link #apply}), this one included,
 * before the change returns; so a file kept aside through any node is read, listed and deleted through every
 * node and outlives the node it was written through. Its modification time is the leader's when it made the
 * entry, the same on every node. Each node's files are its own copy on its own disk: a restart replays the log
 * and skips the entries this store applied before (the index of the last one is kept beside it). A node that
 * fell behind the start of the log takes another node's files and that index at once ({@link #export},
 * {@link #replacement}), and then skips the entries at or below it like after a restart.
 */
public final class SideFiles {
    /** One file kept aside. */
    public record SideFile(RepoPath path, ObjectId id, long size, Instant modified) {
    }

    /**
     * One change of the files kept aside, as cluster mode replicates it: each is applied as a whole on every
     * node and gives the same result when applied twice in a row (a crash between a change and the note of its
     * index replays it once).
     *
     * @param path  the file (or folder, for {@link Op#DELETE_TREE} and {@link Op#MOVE}) it changes
     * @param to    the target of a {@link Op#COPY} or {@link Op#MOVE}, else null
     * @param bytes the content of a {@link Op#PUT}, the document of a {@link Op#SET_METADATA} (null: removed)
     * @param stampMillis the leader's time when it made the entry: the modification time of what it writes
     */
    public record Change(Op op, RepoPath path, RepoPath to, byte[] bytes, long stampMillis) {
        public enum Op { PUT, DELETE, SET_METADATA, DELETE_TREE, COPY, MOVE }

        /** The same change as of the leader's time {@code millis} (the commit point stamps it). */
        public Change at(long millis) {
            return new Change(op, path, to, bytes, millis);
        }
    }

    /** Cluster mode's way to the replicated log (the repository's {@link CommitPoint}). */
    interface Replication {
        /** Commits the change; returns once it is applied here ({@link #apply}), with what it did. */
        boolean commit(Change change) throws IOException;

        /** The largest content one change may hold. */
        long maxBytes();
    }

    private final Path root;
    private final boolean durable;
    /** Beside the root: where another node's copy is written before it takes the root's place ({@link StagedSwap}). */
    private final String staging;
    /** Beside the root: the prefix of the folders of {@link #export}s (deleted after use, and at open). */
    private final String exportPrefix;
    /** Where cluster mode notes the log index of the last change applied here. */
    private final Path appliedFile;
    private volatile Replication replication;
    /** The log index of the last change applied here (cluster mode); guarded by {@code this}. */
    private long appliedIndex = -1;

    SideFiles(Path root, boolean durable) throws IOException {
        this.root = root;
        this.durable = durable;
        this.appliedFile = root.resolveSibling(root.getFileName() + "-applied");
        this.staging = root.getFileName() + "-incoming";
        this.exportPrefix = root.getFileName() + "-export-";
        Files.createDirectories(root.getParent());
        StagedSwap.recover(root.getParent(), staging, swapped(), durable);
        try (DirectoryStream<Path> exports = Files.newDirectoryStream(root.getParent(), exportPrefix + "*")) {
            for (Path e : exports) {
                StagedSwap.deleteTree(e); // read by a node that caught up before this one stopped
            }
        }
        Files.createDirectories(root);
    }

    /** What a {@link Replacement} replaces: the root and the note of the last index applied. */
    private List<String> swapped() {
        return List.of(root.getFileName().toString(), appliedFile.getFileName().toString());
    }

    /** Cluster mode: every change goes through the replicated log from now on (null: this node's disk alone). */
    void replicate(Replication r) {
        this.replication = r;
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
        return under(root, path);
    }

    private static Path under(Path top, RepoPath path) {
        Path p = top;
        for (String s : path.segments()) {
            p = p.resolve(s);
        }
        // RepoPath has already refused '..', separators and the rest; this is a second wall.
        if (!p.normalize().startsWith(top)) {
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
        Replication r = replication;
        if (r != null) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, r.maxBytes() + 1));
            if (bytes.length > r.maxBytes()) {
                // 413 as for a write of more: the content travels in one entry of the log, held in memory.
                throw new WriteTooLargeException("cluster mode keeps at most " + (r.maxBytes() >> 20)
                        + " MiB in one file kept aside", r.maxBytes(), null);
            }
            r.commit(new Change(Change.Op.PUT, path, null, bytes, 0));
            return get(path).orElseThrow(() -> new java.nio.file.NoSuchFileException(path + " (deleted meanwhile)"));
        }
        return putHere(path, in, null);
    }

    private SideFile putHere(RepoPath path, InputStream in, Instant modified) throws IOException {
        Path f = file(path);
        createFolders(f.getParent());
        Path tmp = Files.createTempFile(f.getParent(), ".put-", ".tmp");
        try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (modified != null) {
                Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.from(modified));
            }
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
        Replication r = replication;
        if (r != null) {
            if (!Files.exists(file(path)) && !Files.exists(propsFile(path))) {
                return false; // nothing to delete: no entry (every commit at a path asks)
            }
            return r.commit(new Change(Change.Op.DELETE, path, null, null, 0));
        }
        return deleteHere(path);
    }

    private boolean deleteHere(RepoPath path) throws IOException {
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
        Replication r = replication;
        if (r != null) {
            if (document != null || Files.exists(propsFile(path))) {
                r.commit(new Change(Change.Op.SET_METADATA, path, null, document, 0));
            }
            return;
        }
        setMetadataHere(path, document, null);
    }

    private void setMetadataHere(RepoPath path, byte[] document, Instant modified) throws IOException {
        Path p = propsFile(path);
        if (document == null) {
            if (Files.deleteIfExists(p)) {
                syncFolder(p.getParent());
            }
        } else {
            putHere(path.parent().child(p.getFileName().toString()), new java.io.ByteArrayInputStream(document), modified);
        }
    }

    /** Removes everything kept aside at or below {@code path} (after a folder is deleted). */
    public void deleteTree(RepoPath path) throws IOException {
        Replication r = replication;
        if (r != null) {
            if (Files.exists(file(path))) {
                r.commit(new Change(Change.Op.DELETE_TREE, path, null, null, 0));
            }
            return;
        }
        deleteTreeHere(path);
    }

    private void deleteTreeHere(RepoPath path) throws IOException {
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
        Replication r = replication;
        if (r != null) {
            r.commit(new Change(Change.Op.COPY, from, to, null, 0));
            return get(to).orElseThrow(() -> new java.nio.file.NoSuchFileException(from + " (deleted meanwhile)"));
        }
        return copyHere(from, to, null);
    }

    private SideFile copyHere(RepoPath from, RepoPath to, Instant modified) throws IOException {
        SideFile f;
        try (InputStream in = open(from)) {
            f = putHere(to, in, modified);
        }
        setMetadataHere(to, metadata(from).orElse(null), modified);
        return f;
    }

    /** Moves what is kept aside at or below {@code from} to {@code to} (a file or folder MOVE). */
    public void move(RepoPath from, RepoPath to) throws IOException {
        Replication r = replication;
        if (r != null) {
            if (Files.exists(file(from))) {
                r.commit(new Change(Change.Op.MOVE, from, to, null, 0));
            }
            return;
        }
        moveHere(from, to);
    }

    private void moveHere(RepoPath from, RepoPath to) throws IOException {
        Path src = file(from);
        if (!Files.exists(src)) {
            return;
        }
        Path dst = file(to);
        deleteTreeHere(to);
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

    /**
     * Applies a change the replicated log committed, on every node in the log's order (cluster mode). A change
     * at or below the index of the last one applied here is one this store has (the log is replayed at each
     * start) and changes nothing. A missing source (deleted by an earlier entry) makes a change do nothing, on
     * every node alike.
     *
     * @param index the change's place in the log
     * @return what it did: a {@link Change.Op#DELETE} whether there was a file, the others true
     */
    public synchronized boolean apply(Change change, long index) throws IOException {
        if (appliedIndex < 0) {
            appliedIndex = readAppliedIndex();
        }
        if (index <= appliedIndex) {
            return false;
        }
        Instant at = Instant.ofEpochMilli(change.stampMillis());
        boolean outcome = true;
        switch (change.op()) {
            case PUT -> putHere(change.path(), new java.io.ByteArrayInputStream(change.bytes()), at);
            case DELETE -> outcome = deleteHere(change.path());
            case SET_METADATA -> {
                if (change.bytes() == null || Files.isRegularFile(file(change.path()))) {
                    setMetadataHere(change.path(), change.bytes(), at);
                }
            }
            case DELETE_TREE -> deleteTreeHere(change.path());
            case COPY -> {
                if (Files.isRegularFile(file(change.path()))) {
                    copyHere(change.path(), change.to(), at);
                }
            }
            case MOVE -> moveHere(change.path(), change.to());
            default -> throw new IOException("unknown change of the files kept aside: " + change.op());
        }
        writeAppliedIndex(index);
        return outcome;
    }

    private long readAppliedIndex() throws IOException {
        if (!Files.isRegularFile(appliedFile)) {
            return -1;
        }
        String s = Files.readString(appliedFile, java.nio.charset.StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException(appliedFile + " does not hold a log index: " + s, e);
        }
    }

    /** After the change it names: a crash between them applies that change once more, which changes nothing. */
    private void writeAppliedIndex(long index) throws IOException {
        Path tmp = appliedFile.resolveSibling(appliedFile.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((index + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            if (durable) {
                ch.force(true);
            }
        }
        Files.move(tmp, appliedFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (durable) {
            DurableFiles.forceDirectory(appliedFile.getParent());
        }
        appliedIndex = index;
    }

    /** The log index of the last change applied here (cluster mode), or -1 when none was. */
    public synchronized long appliedIndex() throws IOException {
        if (appliedIndex < 0) {
            appliedIndex = readAppliedIndex();
        }
        return appliedIndex;
    }

    /**
     * One file kept aside in an {@link Exported} copy.
     *
     * @param properties its dead-property document's copy, or null when it has none
     */
    public record Kept(RepoPath path, Path content, Instant modified, Path properties, Instant propertiesModified) {
    }

    /**
     * Every file kept aside (with its dead properties and time) as of the change of log index {@code index}
     * (-1: none), in a folder of its own that {@link #close} deletes.
     */
    public record Exported(long index, List<Kept> files, Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            StagedSwap.deleteTree(dir);
        }
    }

    /**
     * Cluster mode, for a node that catches up from this one: what is kept aside now, with the index of the last
     * change applied, taken under the lock {@link #apply} holds, so no change is half in it. Hard links where
     * the file system has them (a file here is never written in place, only replaced by a rename, so a link keeps
     * the version it was made of), else copies; read after this returns, while changes go on.
     */
    public synchronized Exported export() throws IOException {
        long index = appliedIndex();
        Path dir = root.resolveSibling(exportPrefix + java.util.UUID.randomUUID());
        Files.createDirectories(dir);
        try {
            List<Kept> out = new ArrayList<>();
            List<Path> all;
            try (Stream<Path> s = Files.walk(root)) {
                all = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : all) {
                String name = f.getFileName().toString();
                if (HiddenNames.isHidden(name)) {
                    continue; // dead properties: taken with their file
                }
                List<String> segments = new ArrayList<>();
                root.relativize(f).forEach(s -> segments.add(s.toString()));
                RepoPath path;
                try {
                    path = RepoPath.of(segments);
                } catch (InvalidPathException e) {
                    continue; // not a name this store writes
                }
                Path copy = under(dir, path);
                Instant modified = Files.getLastModifiedTime(f).toInstant();
                take(f, copy);
                Path props = propsFile(path);
                Path propsCopy = null;
                Instant propsModified = null;
                if (Files.isRegularFile(props)) {
                    propsCopy = copy.resolveSibling(props.getFileName().toString());
                    propsModified = Files.getLastModifiedTime(props).toInstant();
                    take(props, propsCopy);
                }
                out.add(new Kept(path, copy, modified, propsCopy, propsModified));
            }
            return new Exported(index, List.copyOf(out), dir);
        } catch (IOException | RuntimeException e) {
            StagedSwap.deleteTree(dir);
            throw e;
        }
    }

    private static void take(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.createLink(to, from);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Cluster mode, for a node that fell behind the start of the log: replaces everything kept aside here with
     * another node's copy ({@link #export}), written beside the store first and put in its place at once by
     * {@link Replacement#commit}. One at a time (the node's catch-up thread).
     */
    public Replacement replacement() throws IOException {
        synchronized (this) {
            // A replacement committed here whose moves failed midway (a full disk): finished before the next.
            StagedSwap.recover(root.getParent(), staging, swapped(), durable);
        }
        Path dir = StagedSwap.begin(root.getParent(), staging);
        Path newRoot = dir.resolve(root.getFileName().toString());
        Files.createDirectories(newRoot);
        return new Replacement(newRoot);
    }

    /** Another node's files kept aside, written one by one, then put in place of this store's with their index. */
    public final class Replacement implements AutoCloseable {
        private final Path newRoot;
        private boolean committed;

        private Replacement(Path newRoot) {
            this.newRoot = newRoot;
        }

        /** A file kept aside, with its time. */
        public void file(RepoPath path, InputStream content, Instant modified) throws IOException {
            write(under(newRoot, path), content, modified);
        }

        /** The dead-property document of the file kept aside at {@code path}, with its time. */
        public void properties(RepoPath path, InputStream document, Instant modified) throws IOException {
            write(under(newRoot, path).resolveSibling(HiddenNames.filePropsName(path.name())), document, modified);
        }

        private static void write(Path f, InputStream in, Instant modified) throws IOException {
            Files.createDirectories(f.getParent());
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(modified));
        }

        /**
         * Puts what was written in place of this store's files, as of the change of log index {@code index}: the
         * next change applied is the first after it. A crash leaves the old files or the new ones (with their
         * index), never a mix.
         */
        public void commit(long index) throws IOException {
            synchronized (SideFiles.this) {
                Files.writeString(newRoot.resolveSibling(appliedFile.getFileName().toString()), index + "\n",
                        java.nio.charset.StandardCharsets.US_ASCII);
                StagedSwap.commit(root.getParent(), staging, swapped(), durable);
                appliedIndex = index;
                committed = true;
            }
        }

        /** Drops what was written unless it was committed. */
        @Override
        public void close() throws IOException {
            if (!committed) {
                StagedSwap.deleteTree(newRoot.getParent());
            }
        }
    }
}
