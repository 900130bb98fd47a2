package dev.davit.storage;

import dev.davit.storage.objects.BatchInserter;
import dev.davit.storage.objects.ParsedTrees;
import dev.davit.storage.objects.RawTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.TreeFormatter;

/**
 * The changes of one write, staged in memory on top of a base tree. Only the folders on the paths that
 * change are loaded and rewritten; every other subtree keeps its object id, so the cost of a write
 * grows with the depth of the path and the size of the folders on it, not with the repository, and a
 * MOVE or COPY of a folder of any size is one tree-id move.
 *
 * <p>A folder on such a path is not decoded either: its base tree stays raw bytes ({@link RawTree}) under an
 * overlay of the names this edit put or removed, a name is found by comparing bytes, and the folder is
 * written by copying the untouched entries as byte ranges around the changed ones. A PUT into a folder of
 * thousands of files thus costs about one copy of that folder's tree object.
 *
 * <p>Reads ({@link #lookup}) see the changes made so far. Not thread-safe: one edit belongs to one
 * write attempt.
 */
public final class TreeEdit {
    private final ObjectReader reader;
    private final ParsedTrees parsed;
    private final ObjectInserter inserter;
    private final DirNode root;
    /** Blobs placed by {@link #putFile}: the write must make each durable with its commit. */
    private final java.util.Set<ObjectId> placed = new java.util.LinkedHashSet<>();

    TreeEdit(ObjectReader reader, ObjectInserter inserter, ObjectId baseTree) {
        this(reader, inserter, baseTree, null);
    }

    /** @param parsed the repository's parsed trees, or null: each base tree is parsed here */
    TreeEdit(ObjectReader reader, ObjectInserter inserter, ObjectId baseTree, ParsedTrees parsed) {
        this.reader = reader;
        this.inserter = inserter;
        this.root = new DirNode(baseTree);
        this.parsed = parsed;
    }

    /** The entry at {@code path} as of the changes made so far; hidden helper files are never found. */
    public Optional<Entry> lookup(RepoPath path) throws IOException {
        if (path.isRoot()) {
            return Optional.of(new Entry(path, Entry.Kind.FOLDER, root.dirty ? null : root.id));
        }
        if (path.segments().stream().anyMatch(HiddenNames::isHidden)) {
            return Optional.empty();
        }
        DirNode dir = root;
        List<String> segs = path.segments();
        for (int i = 0; i < segs.size() - 1; i++) {
            if (!(get(dir, segs.get(i)) instanceof DirNode next)) {
                return Optional.empty();
            }
            dir = next;
        }
        Node node = get(dir, path.name());
        if (node instanceof DirNode d) {
            return Optional.of(new Entry(path, Entry.Kind.FOLDER, d.dirty ? null : d.id));
        }
        if (node instanceof FileNode f && f.isVisible()) {
            return Optional.of(new Entry(path, Entry.Kind.FILE, f.id));
        }
        return Optional.empty();
    }

    /**
     * Places blob {@code blob} at {@code path}, replacing a file that is there.
     *
     * @throws MissingParentException when the parent folder does not exist or an ancestor is a file
     */
    public void putFile(RepoPath path, ObjectId blob) throws IOException, MissingParentException {
        DirNode parent = parentForWrite(path);
        Node old = get(parent, path.name());
        FileMode mode = old instanceof FileNode f && f.mode == FileMode.EXECUTABLE_FILE ? f.mode : FileMode.REGULAR_FILE;
        put(parent, path.name(), new FileNode(blob, mode));
        placed.add(blob.copy());
    }

    /** The blobs {@link #putFile} placed in this edit. */
    java.util.Set<ObjectId> placedBlobs() {
        return placed;
    }

    /**
     * Makes an empty folder; git keeps no empty trees, so it holds the hidden {@link HiddenNames#KEEP}.
     *
     * @throws AlreadyExistsException when anything is at {@code path} already
     */
    public void mkdir(RepoPath path) throws IOException, MissingParentException, AlreadyExistsException {
        DirNode parent = parentForWrite(path);
        if (get(parent, path.name()) != null) {
            throw new AlreadyExistsException(path);
        }
        DirNode dir = DirNode.empty();
        put(dir, HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
        put(parent, path.name(), dir);
    }

    /**
     * Creates the missing folders above {@code path} (the REST API creates them on a write, as GitHub's
     * contents API does; WebDAV never does). A folder made here and left empty disappears with the write,
     * as git keeps no empty trees.
     *
     * @throws MissingParentException when an ancestor is a file; names that file
     */
    public void makeParents(RepoPath path) throws IOException, MissingParentException {
        DirNode dir = root;
        RepoPath walked = RepoPath.ROOT;
        List<String> segs = path.segments();
        for (int i = 0; i < segs.size() - 1; i++) {
            walked = walked.child(segs.get(i));
            Node next = get(dir, segs.get(i));
            if (next == null) {
                next = DirNode.empty();
                put(dir, segs.get(i), next);
                markPath(walked);
            } else if (next instanceof FileNode f) {
                throw new MissingParentException(path, walked, f.isVisible());
            }
            dir = (DirNode) next;
        }
    }

    /** Creates the folders of {@code path} that are missing, without keep files (used by imports). */
    void ensureFolders(RepoPath path) throws IOException, MissingParentException {
        DirNode dir = root;
        dir.dirty = true;
        for (int i = 0; i < path.depth(); i++) {
            String seg = path.segments().get(i);
            Node child = get(dir, seg);
            if (child == null) {
                child = DirNode.empty();
                put(dir, seg, child);
            } else if (!(child instanceof DirNode)) {
                throw new MissingParentException(path, RepoPath.ROOT, true);
            }
            dir = (DirNode) child;
            dir.dirty = true;
        }
    }

    /**
     * Removes the file or folder at {@code path} (with a file's dead properties). The parent folder stays
     * in existence even if this was its last member (RFC 4918 §9.6: DELETE removes the member, not the
     * collection it is in).
     *
     * @return false when nothing was there
     */
    public boolean delete(RepoPath path) throws IOException, MissingParentException {
        if (path.isRoot()) {
            throw new IllegalArgumentException("the root cannot be deleted");
        }
        if (lookup(path).isEmpty()) {
            return false;
        }
        DirNode parent = parentForWrite(path);
        Node removed = get(parent, path.name());
        remove(parent, path.name());
        if (removed instanceof FileNode) {
            remove(parent, HiddenNames.filePropsName(path.name()));
        }
        if (parent != root && isEmpty(parent)) {
            put(parent, HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
        }
        return true;
    }

    /**
     * Copies {@code source} to {@code target}, which must not exist (delete it first to overwrite). A
     * folder is copied with everything below it when {@code recursive}, else as an empty folder with its
     * own dead properties (COPY with Depth: 0, RFC 4918 §9.8.3). Dead properties travel with the copy.
     */
    public void copy(RepoPath source, RepoPath target, boolean recursive)
            throws IOException, MissingParentException, NotFoundException {
        Node src = node(source);
        if (src == null) {
            throw new NotFoundException(source, source + " does not exist");
        }
        Optional<byte[]> fileProps = src instanceof FileNode ? metadata(source) : Optional.empty();
        DirNode targetParent = parentForWrite(target);
        Node copy;
        if (src instanceof DirNode dir) {
            if (recursive) {
                copy = dir.deepCopy();
            } else {
                DirNode shallow = DirNode.empty();
                put(shallow, HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
                if (get(dir, HiddenNames.FOLDER_PROPS) instanceof FileNode props) {
                    put(shallow, HiddenNames.FOLDER_PROPS, props);
                }
                copy = shallow;
            }
        } else {
            copy = src; // files are immutable values
        }
        put(targetParent, target.name(), copy);
        if (src instanceof FileNode) {
            setMetadata(target, fileProps.orElse(null));
        }
    }

    /** The stored dead-property document of a file or folder, if it has one. */
    public Optional<byte[]> metadata(RepoPath path) throws IOException {
        Node holder = metadataHolder(path);
        return holder instanceof FileNode f ? Optional.of(reader.open(f.id, Constants.OBJ_BLOB).getBytes()) : Optional.empty();
    }

    /** Replaces (or with null, removes) the dead-property document of an existing file or folder. */
    public void setMetadata(RepoPath path, byte[] document) throws IOException, MissingParentException {
        Node target = node(path);
        if (target == null) {
            throw new MissingParentException(path, path, false);
        }
        DirNode dir;
        String name;
        if (target instanceof DirNode d) {
            markPath(path);
            dir = d;
            name = HiddenNames.FOLDER_PROPS;
        } else {
            dir = parentForWrite(path);
            name = HiddenNames.filePropsName(path.name());
        }
        if (document == null) {
            remove(dir, name);
            if (dir != root && isEmpty(dir)) {
                put(dir, HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
            }
        } else {
            put(dir, name, new FileNode(inserter.insert(Constants.OBJ_BLOB, document), FileMode.REGULAR_FILE));
        }
    }

    private Node metadataHolder(RepoPath path) throws IOException {
        Node target = node(path);
        if (target instanceof DirNode d) {
            return get(d, HiddenNames.FOLDER_PROPS);
        }
        if (target instanceof FileNode && node(path.parent()) instanceof DirNode parent) {
            return get(parent, HiddenNames.filePropsName(path.name()));
        }
        return null;
    }

    /** Writes the changed folders and returns the new root tree id. */
    ObjectId writeTree() throws IOException {
        ObjectId id = write(root);
        return id != null ? id : inserter.insert(new TreeFormatter());
    }

    /**
     * Writes {@code dir} and the changed folders below it; null when it has no members (git keeps no empty
     * trees, so the folder disappears). The base tree's untouched entries are copied as bytes: a write into
     * a large folder costs one pass over the folder's tree object, not a decode and sort of all its names.
     */
    private ObjectId write(DirNode dir) throws IOException {
        if (!dir.dirty) {
            return dir.id;
        }
        RawTree base = raw(dir);
        List<byte[]> removed = new ArrayList<>();
        List<RawTree.NewEntry> added = new ArrayList<>();
        for (Map.Entry<String, Node> c : dir.overlay.entrySet()) {
            byte[] name = utf8(c.getKey());
            Node n = c.getValue();
            if (n instanceof FileNode f) {
                added.add(new RawTree.NewEntry(name, f.mode, f.id));
            } else if (n instanceof DirNode sub) {
                ObjectId subId = write(sub);
                if (subId != null) {
                    added.add(new RawTree.NewEntry(name, FileMode.TREE, subId));
                } else {
                    removed.add(name);
                }
            } else {
                removed.add(name);
            }
        }
        for (Map.Entry<String, DirNode> o : dir.opened.entrySet()) {
            DirNode sub = o.getValue();
            if (!sub.dirty) {
                continue;
            }
            ObjectId subId = write(sub);
            if (subId == null) {
                removed.add(utf8(o.getKey()));
            } else if (!subId.equals(sub.id)) { // an unchanged folder keeps its entry byte for byte
                added.add(new RawTree.NewEntry(utf8(o.getKey()), FileMode.TREE, subId));
            }
        }
        if (removed.isEmpty() && added.isEmpty()) {
            return base.size() == 0 ? null : dir.id;
        }
        RawTree tree = base.rewritten(removed, added);
        if (tree.size() == 0) {
            return null;
        }
        ObjectId id = inserter instanceof BatchInserter batch
                // base is dir.id's own bytes unless that tree was out of order (then read into the overlay)
                ? batch.insertTree(tree.bytes(), dir.id, dir.id == null || base == RawTree.EMPTY ? null : base.bytes())
                : inserter.insert(Constants.OBJ_TREE, tree.bytes());
        if (parsed != null) {
            parsed.put(id, tree); // the next write into this folder starts from this tree
        }
        return id;
    }

    private static byte[] utf8(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    private Node node(RepoPath path) throws IOException {
        Node n = root;
        for (String seg : path.segments()) {
            if (!(n instanceof DirNode d)) {
                return null;
            }
            n = get(d, seg);
        }
        return n;
    }

    /** Walks to the parent folder of {@code path}, marking the folders on the way as changed. */
    private DirNode parentForWrite(RepoPath path) throws IOException, MissingParentException {
        DirNode dir = root;
        List<String> segs = path.segments();
        RepoPath walked = RepoPath.ROOT;
        for (int i = 0; i < segs.size() - 1; i++) {
            walked = walked.child(segs.get(i));
            Node next = get(dir, segs.get(i));
            if (next instanceof DirNode d) {
                dir = d;
            } else {
                throw new MissingParentException(path, walked, next instanceof FileNode f && f.isVisible());
            }
        }
        markPath(path.parent());
        return dir;
    }

    private void markPath(RepoPath folder) throws IOException {
        DirNode dir = root;
        dir.dirty = true;
        for (String seg : folder.segments()) {
            dir = (DirNode) get(dir, seg);
            dir.dirty = true;
        }
    }

    /** The member {@code name} of {@code dir} as of the changes made so far, or null. */
    private Node get(DirNode dir, String name) throws IOException {
        RawTree base = raw(dir); // first: a base tree out of order moves into the overlay
        Node changed = dir.overlay.get(name);
        if (changed != null) {
            return changed == REMOVED ? null : changed;
        }
        DirNode opened = dir.opened.get(name);
        if (opened != null) {
            return opened;
        }
        if (base.size() == 0) {
            return null;
        }
        byte[] bytes = utf8(name);
        int i = base.find(bytes, true);
        if (i >= 0) {
            // Kept, so that later steps of this edit change this very node and the write finds it.
            DirNode sub = new DirNode(base.id(i));
            dir.opened.put(name, sub);
            return sub;
        }
        i = base.find(bytes, false);
        return i >= 0 ? new FileNode(base.id(i), base.mode(i)) : null;
    }

    private static void put(DirNode dir, String name, Node node) {
        dir.opened.remove(name);
        dir.overlay.put(name, node);
    }

    private static void remove(DirNode dir, String name) {
        dir.opened.remove(name);
        dir.overlay.put(name, REMOVED);
    }

    /** True when {@code dir} has no members left (hidden helper files count as members). */
    private boolean isEmpty(DirNode dir) throws IOException {
        RawTree base = raw(dir); // first: a base tree out of order moves into the overlay
        int removals = 0;
        for (Node n : dir.overlay.values()) {
            if (n != REMOVED) {
                return false;
            }
            removals++;
        }
        if (base.size() > 2 * removals) {
            return false; // a removal hides one base entry (two in a broken tree with a file and a folder of one name)
        }
        int hidden = 0;
        for (String name : dir.overlay.keySet()) {
            byte[] bytes = utf8(name);
            hidden += (base.find(bytes, false) >= 0 ? 1 : 0) + (base.find(bytes, true) >= 0 ? 1 : 0);
        }
        return hidden == base.size();
    }

    /**
     * The base tree of {@code dir}, read on first use. A base tree that is not in git order (git never
     * writes one, but a push is not checked) cannot be searched or merged in place; its members are then
     * decoded into the overlay, as every folder was before, and the folder is written sorted.
     */
    private RawTree raw(DirNode dir) throws IOException {
        if (dir.raw == null) {
            RawTree t = dir.id == null ? RawTree.EMPTY
                    : parsed != null ? parsed.get(reader, dir.id)
                    : RawTree.parse(reader.open(dir.id, Constants.OBJ_TREE).getCachedBytes());
            if (!t.isSorted()) {
                Map<String, Node> members = new HashMap<>();
                for (int i = 0; i < t.size(); i++) {
                    members.put(t.name(i), t.isTree(i) ? new DirNode(t.id(i)) : new FileNode(t.id(i), t.mode(i)));
                }
                members.forEach(dir.overlay::putIfAbsent);
                t = RawTree.EMPTY;
            }
            dir.raw = t;
        }
        return dir.raw;
    }

    private ObjectId emptyBlob() throws IOException {
        return inserter.insert(Constants.OBJ_BLOB, new byte[0]);
    }

    private abstract static sealed class Node permits FileNode, DirNode, Removed {
    }

    /** The overlay's mark for a name removed from the base tree. */
    private static final class Removed extends Node {
    }

    private static final Node REMOVED = new Removed();

    private static final class FileNode extends Node {
        final ObjectId id;
        final FileMode mode;

        FileNode(ObjectId id, FileMode mode) {
            this.id = id;
            this.mode = mode;
        }

        /** Gitlinks (submodules) are kept as they are but are not files a client can read. */
        boolean isVisible() {
            return mode != FileMode.GITLINK;
        }
    }

    /**
     * A folder: its base tree (by id, its bytes read on demand) and what this edit changed in it. Members
     * are never all decoded for point operations: a name is looked up in the overlay, then among the
     * subfolders already reached, then in the base tree's bytes.
     */
    private static final class DirNode extends Node {
        /** The base tree; null for a folder made in this edit. */
        final ObjectId id;
        RawTree raw;
        /** Members put or removed ({@link #REMOVED}) in this edit, by name. */
        final Map<String, Node> overlay = new HashMap<>();
        /** Subfolders of the base tree reached in this edit (and maybe changed below); never also in overlay. */
        final Map<String, DirNode> opened = new HashMap<>();
        boolean dirty;

        DirNode(ObjectId id) {
            this.id = id;
        }

        static DirNode empty() {
            DirNode d = new DirNode(null);
            d.raw = RawTree.EMPTY;
            d.dirty = true;
            return d;
        }

        /**
         * A clean folder is shared by id; one changed in this edit gets the same base tree and a copy of its
         * changes, node by node.
         */
        DirNode deepCopy() {
            if (!dirty) {
                return new DirNode(id);
            }
            DirNode copy = new DirNode(id);
            copy.raw = raw;
            copy.dirty = true;
            overlay.forEach((name, n) -> copy.overlay.put(name, n instanceof DirNode d ? d.deepCopy() : n));
            opened.forEach((name, d) -> {
                if (d.dirty) {
                    copy.opened.put(name, d.deepCopy());
                }
            });
            return copy;
        }
    }
}
