package dev.davit.storage;

import dev.davit.storage.objects.LargeBlobs;
import dev.davit.storage.objects.PackedBlobs;
import dev.davit.storage.objects.StoredObjects;
import dev.davit.storage.objects.RawTree;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * An immutable view of one commit's tree. Hidden helper files are never returned. Holds an object
 * reader: close it (try-with-resources) when done. Not thread-safe.
 */
public final class Snapshot implements AutoCloseable {
    /** The id git gives the empty tree. */
    public static final ObjectId EMPTY_TREE = ObjectId.fromString("4b825dc642cb6eb9a060e54bf8d69288fbee4904");

    private final GitRepository repository;
    private final ObjectReader reader;
    private final RevCommit commit;
    private final ObjectId tree;
    private final boolean current;

    Snapshot(GitRepository repository, ObjectReader reader, RevCommit commit, boolean current) {
        this.repository = repository;
        this.reader = reader;
        this.commit = commit;
        this.current = current;
        this.tree = commit == null ? EMPTY_TREE : commit.getTree().getId();
    }

    /** The commit this view shows, or null for a repository without commits. */
    public ObjectId revision() {
        return commit == null ? null : commit.copy(); // the RevCommit may be shared between snapshots
    }

    public Instant commitTime() {
        return commit == null ? Instant.EPOCH : Instant.ofEpochSecond(commit.getCommitTime());
    }

    public GitRepository repository() {
        return repository;
    }

    /** The reader this view reads with (for {@link RepositorySizes}). */
    ObjectReader reader() {
        return reader;
    }

    public Entry root() {
        return new Entry(RepoPath.ROOT, Entry.Kind.FOLDER, tree);
    }

    /** The visible file or folder at {@code path}, if there is one. */
    public Optional<Entry> lookup(RepoPath path) throws IOException {
        if (path.isRoot()) {
            return Optional.of(root());
        }
        if (commit == null || path.segments().stream().anyMatch(HiddenNames::isHidden)) {
            return Optional.empty();
        }
        RawTree.Found f = find(path.segments(), null);
        if (f == null || f.isGitlink()) {
            return Optional.empty();
        }
        return Optional.of(new Entry(path, f.isTree() ? Entry.Kind.FOLDER : Entry.Kind.FILE, f.id()));
    }

    /**
     * The entry at {@code segments} (then {@code last}, if not null) below the root tree, or null: each
     * folder's tree parsed once for all lookups ({@link GitRepository#parsedTree}) and searched.
     */
    private RawTree.Found find(List<String> segments, String last) throws IOException {
        ObjectId at = tree;
        RawTree.Found f = null;
        int n = segments.size() + (last == null ? 0 : 1);
        for (int i = 0; i < n; i++) {
            if (f != null && !f.isTree()) {
                return null; // a file where the path needs a folder
            }
            String segment = i < segments.size() ? segments.get(i) : last;
            f = repository.parsedTree(reader, at).lookup(segment.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (f == null) {
                return null;
            }
            at = f.id();
        }
        return f;
    }

    /** The visible members of a folder, in git's order. */
    public List<Entry> list(Entry folder) throws IOException {
        List<Entry> out = new ArrayList<>();
        walk(folder, 1, (e, props) -> out.add(e));
        return out;
    }

    /** Receives entries as a walk finds them, with the id of each one's dead-property document (or null). */
    @FunctionalInterface
    public interface Visitor {
        void visit(Entry entry, ObjectId metadata) throws IOException;
    }

    /**
     * Visits the members of {@code folder} down to {@code depth} levels (1 = members only,
     * {@link Integer#MAX_VALUE} = everything), each folder before its contents. Each folder's tree is read
     * once, and the hidden property files are found in the same pass, so a listing costs one read per
     * folder, not one per entry. Memory grows with the depth and the size of one folder, not with the
     * number of entries visited.
     */
    public void walk(Entry folder, int depth, Visitor visitor) throws IOException {
        if (depth <= 0 || !folder.isFolder()) {
            return;
        }
        walkListing(Listing.read(reader, folder), depth, visitor);
    }

    /**
     * How many entries {@code walk(folder, Integer.MAX_VALUE, ...)} would visit, counted no further than
     * {@code limit + 1}: the trees are read, but no entry, path or property id is made (a PROPFIND Depth
     * infinity counts before it answers, and counting by a walk was as dear as the answer's own walk).
     */
    public int countUpTo(Entry folder, int limit) throws IOException {
        int[] n = {0};
        if (folder.isFolder()) {
            count(folder.id(), limit, n);
        }
        return n[0];
    }

    private void count(ObjectId tree, int limit, int[] n) throws IOException {
        if (tree.equals(EMPTY_TREE)) {
            return;
        }
        List<ObjectId> folders = new ArrayList<>();
        // the same members as Listing.read: neither hidden names nor submodules
        for (CanonicalTreeParser p = new CanonicalTreeParser(null, reader, tree); !p.eof() && n[0] <= limit; p.next()) {
            FileMode mode = p.getEntryFileMode();
            if (mode == FileMode.GITLINK || HiddenNames.isHidden(Listing.entryName(p))) {
                continue;
            }
            n[0]++;
            if (mode == FileMode.TREE) {
                folders.add(p.getEntryObjectId());
            }
        }
        for (ObjectId f : folders) {
            if (n[0] > limit) {
                return;
            }
            count(f, limit, n);
        }
    }

    private void walkListing(Listing listing, int depth, Visitor visitor) throws IOException {
        for (Entry e : listing.visible) {
            if (e.isFolder()) {
                Listing sub = depth > 1 ? Listing.read(reader, e) : null;
                visitor.visit(e, sub != null ? sub.folderProps : Listing.folderProps(reader, e.id()));
                if (sub != null) {
                    walkListing(sub, depth == Integer.MAX_VALUE ? depth : depth - 1, visitor);
                }
            } else {
                visitor.visit(e, listing.fileProps.isEmpty() ? null : listing.fileProps.get(HiddenNames.filePropsName(e.name())));
            }
        }
    }

    /** One folder's visible members and the ids of the property files beside them. */
    private static final class Listing {
        final List<Entry> visible = new ArrayList<>();
        final Map<String, ObjectId> fileProps = new HashMap<>();
        ObjectId folderProps;

        static Listing read(ObjectReader reader, Entry folder) throws IOException {
            Listing l = new Listing();
            if (folder.id().equals(EMPTY_TREE)) {
                return l; // The empty tree of a repository without commits is in no object store.
            }
            String prefix = HiddenNames.filePropsName("");
            CanonicalTreeParser p = new CanonicalTreeParser(null, reader, folder.id());
            for (; !p.eof(); p.next()) {
                String name = entryName(p);
                FileMode mode = p.getEntryFileMode();
                if (HiddenNames.isHidden(name)) {
                    if (name.equals(HiddenNames.FOLDER_PROPS)) {
                        l.folderProps = p.getEntryObjectId();
                    } else if (name.startsWith(prefix)) {
                        l.fileProps.put(name, p.getEntryObjectId());
                    }
                    continue;
                }
                if (mode == FileMode.GITLINK) {
                    continue;
                }
                l.visible.add(new Entry(folder.path().child(name),
                        mode == FileMode.TREE ? Entry.Kind.FOLDER : Entry.Kind.FILE, p.getEntryObjectId()));
            }
            return l;
        }

        /**
         * The entry's name, as {@link CanonicalTreeParser#getEntryPathString()}: an ASCII name (nearly all) is
         * copied as Latin-1 bytes; others are decoded as JGit does. JGit's UTF-8 decoder was a twentieth of a
         * 1,000-member listing's time.
         */
        private static String entryName(CanonicalTreeParser p) {
            byte[] b = p.getEntryPathBuffer();
            int n = p.getEntryPathLength();
            for (int i = 0; i < n; i++) {
                if (b[i] < 0) {
                    return p.getEntryPathString();
                }
            }
            return new String(b, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        /** A folder's own property file, found without reading past where git's order would put it. */
        static ObjectId folderProps(ObjectReader reader, ObjectId tree) throws IOException {
            if (tree.equals(EMPTY_TREE)) {
                return null;
            }
            CanonicalTreeParser p = new CanonicalTreeParser(null, reader, tree);
            for (; !p.eof(); p.next()) {
                String name = p.getEntryPathString();
                if (name.equals(HiddenNames.FOLDER_PROPS)) {
                    return p.getEntryObjectId();
                }
                if (name.compareTo(HiddenNames.FOLDER_PROPS) > 0 && !name.startsWith(HiddenNames.FOLDER_PROPS)) {
                    return null;
                }
            }
            return null;
        }
    }

    /** The dead-property document with id {@code id} (as given to a {@link Visitor}). */
    public byte[] readMetadata(ObjectId id) throws IOException {
        return reader.open(id, Constants.OBJ_BLOB).getBytes();
    }

    /** Size in bytes of a file. */
    public long size(Entry file) throws IOException {
        return reader.getObjectSize(file.id(), Constants.OBJ_BLOB);
    }

    /** Streams the content of a file; the caller closes the stream. */
    public InputStream open(Entry file) throws IOException {
        return reader.open(file.id(), Constants.OBJ_BLOB).openStream();
    }

    /**
     * As {@link #open(Entry)} for a file whose {@link #size} is known: a large one stored as a loose object
     * is streamed from its file directly ({@link LargeBlobs#openLoose}, several times faster than JGit's
     * stream and never loaded into memory, whatever JGit's streamFileThreshold).
     */
    public InputStream open(Entry file, long size) throws IOException {
        if (size > LargeBlobs.STREAM_FROM_FILE) {
            InputStream loose = LargeBlobs.openLoose(repository.disk().getDirectory().toPath().resolve("objects"), file.id());
            if (loose != null) {
                return loose;
            }
        }
        return open(file);
    }

    /**
     * Sends {@code length} bytes of a large file from offset {@code start} to {@code out} straight from its
     * object file: a loose one as {@link LargeBlobs} writes it ({@link LargeBlobs#sendLoose}), or a pack's entry
     * of the whole blob ({@link PackedBlobs#send}). False, with nothing sent, otherwise (a small file, a delta, or
     * another loose format): read it with {@link #open(Entry, long)}.
     */
    public boolean send(Entry file, long size, long start, long length, java.nio.channels.WritableByteChannel out) throws IOException {
        if (size <= LargeBlobs.STREAM_FROM_FILE) {
            return false;
        }
        if (LargeBlobs.sendLoose(repository.disk().getDirectory().toPath().resolve("objects"), file.id(), start, length, out,
                repository.largeBlobReads())) {
            return true;
        }
        return repository.disk() instanceof org.eclipse.jgit.internal.storage.file.FileRepository disk
                && PackedBlobs.send(StoredObjects.packs(disk), file.id(), size, start, length, out, repository.largeBlobReads());
    }

    /** The stored dead-property document of {@code entry}, if it has one. */
    public Optional<byte[]> metadata(Entry entry) throws IOException {
        if (commit == null) {
            return Optional.empty();
        }
        RawTree.Found f = entry.isFolder()
                ? find(entry.path().segments(), HiddenNames.FOLDER_PROPS)
                : find(entry.path().parent().segments(), HiddenNames.filePropsName(entry.name()));
        if (f == null || f.isTree()) {
            return Optional.empty();
        }
        return Optional.of(reader.open(f.id(), Constants.OBJ_BLOB).getBytes());
    }

    /** When the entry was created and last changed, from the repository's index of history. */
    public Timestamps times(Entry entry) throws IOException {
        if (commit == null) {
            return new Timestamps(commitTime(), commitTime());
        }
        if (current) {
            return repository.times(entry.path(), commit, commitTime());
        }
        return repository.timesAt(entry.path(), commit);
    }

    /**
     * When the entry was last changed: {@code times(entry).modified()}, which a repository whose index is still
     * being built can tell from its recent history far more often than the creation.
     */
    public Instant modified(Entry entry) throws IOException {
        if (current && commit != null) {
            return repository.modified(entry.path(), commit, commitTime());
        }
        return times(entry).modified();
    }

    @Override
    public void close() {
        reader.close();
    }
}
