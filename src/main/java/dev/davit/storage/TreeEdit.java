package dev.davit.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * The changes of one write, staged in memory on top of a base tree. Only the folders on the paths that
 * change are loaded and rewritten; every other subtree keeps its object id, so the cost of a write
 * grows with the depth of the path and the size of the folders on it, not with the repository, and a
 * MOVE or COPY of a folder of any size is one tree-id move.
 *
 * <p>Reads ({@link #lookup}) see the changes made so far. Not thread-safe: one edit belongs to one
 * write attempt.
 */
public final class TreeEdit {
    private final ObjectReader reader;
    private final ObjectInserter inserter;
    private final DirNode root;

    TreeEdit(ObjectReader reader, ObjectInserter inserter, ObjectId baseTree) {
        this.reader = reader;
        this.inserter = inserter;
        this.root = new DirNode(baseTree);
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
            if (!(children(dir).get(segs.get(i)) instanceof DirNode next)) {
                return Optional.empty();
            }
            dir = next;
        }
        Node node = children(dir).get(path.name());
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
        Node old = children(parent).get(path.name());
        FileMode mode = old instanceof FileNode f && f.mode == FileMode.EXECUTABLE_FILE ? f.mode : FileMode.REGULAR_FILE;
        children(parent).put(path.name(), new FileNode(blob, mode));
    }

    /**
     * Makes an empty folder; git keeps no empty trees, so it holds the hidden {@link HiddenNames#KEEP}.
     *
     * @throws AlreadyExistsException when anything is at {@code path} already
     */
    public void mkdir(RepoPath path) throws IOException, MissingParentException, AlreadyExistsException {
        DirNode parent = parentForWrite(path);
        if (children(parent).get(path.name()) != null) {
            throw new AlreadyExistsException(path);
        }
        DirNode dir = DirNode.empty();
        dir.children.put(HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
        children(parent).put(path.name(), dir);
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
            Node next = children(dir).get(segs.get(i));
            if (next == null) {
                next = DirNode.empty();
                children(dir).put(segs.get(i), next);
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
            Node child = children(dir).get(seg);
            if (child == null) {
                child = DirNode.empty();
                children(dir).put(seg, child);
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
        Map<String, Node> siblings = children(parent);
        Node removed = siblings.remove(path.name());
        if (removed instanceof FileNode) {
            siblings.remove(HiddenNames.filePropsName(path.name()));
        }
        if (parent != root && siblings.isEmpty()) {
            siblings.put(HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
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
                copy = dir.deepCopy(this);
            } else {
                DirNode shallow = DirNode.empty();
                shallow.children.put(HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
                if (children(dir).get(HiddenNames.FOLDER_PROPS) instanceof FileNode props) {
                    shallow.children.put(HiddenNames.FOLDER_PROPS, props);
                }
                copy = shallow;
            }
        } else {
            FileNode f = (FileNode) src;
            copy = new FileNode(f.id, f.mode);
        }
        children(targetParent).put(target.name(), copy);
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
            children(dir).remove(name);
            if (dir != root && children(dir).isEmpty()) {
                children(dir).put(HiddenNames.KEEP, new FileNode(emptyBlob(), FileMode.REGULAR_FILE));
            }
        } else {
            children(dir).put(name, new FileNode(inserter.insert(Constants.OBJ_BLOB, document), FileMode.REGULAR_FILE));
        }
    }

    private Node metadataHolder(RepoPath path) throws IOException {
        Node target = node(path);
        if (target instanceof DirNode d) {
            return children(d).get(HiddenNames.FOLDER_PROPS);
        }
        if (target instanceof FileNode && node(path.parent()) instanceof DirNode parent) {
            return children(parent).get(HiddenNames.filePropsName(path.name()));
        }
        return null;
    }

    /** Writes the changed folders and returns the new root tree id. */
    ObjectId writeTree() throws IOException {
        ObjectId id = write(root);
        return id != null ? id : inserter.insert(new TreeFormatter());
    }

    private ObjectId write(DirNode dir) throws IOException {
        if (!dir.dirty) {
            return dir.id;
        }
        List<Map.Entry<String, Node>> members = new ArrayList<>(children(dir).entrySet());
        members.sort((a, b) -> gitOrder(a.getKey(), a.getValue() instanceof DirNode, b.getKey(), b.getValue() instanceof DirNode));
        TreeFormatter fmt = new TreeFormatter();
        int count = 0;
        for (Map.Entry<String, Node> m : members) {
            if (m.getValue() instanceof DirNode sub) {
                ObjectId subId = write(sub);
                if (subId != null) {
                    fmt.append(m.getKey(), FileMode.TREE, subId);
                    count++;
                }
            } else {
                FileNode f = (FileNode) m.getValue();
                fmt.append(m.getKey(), f.mode, f.id);
                count++;
            }
        }
        return count == 0 ? null : fmt.insertTo(inserter);
    }

    /** Git sorts tree entries by name bytes, a folder's name compared as if it ended in '/'. */
    private static int gitOrder(String a, boolean aDir, String b, boolean bDir) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            int c = Byte.toUnsignedInt(x[i]) - Byte.toUnsignedInt(y[i]);
            if (c != 0) {
                return c;
            }
        }
        int cx = x.length > n ? Byte.toUnsignedInt(x[n]) : (aDir ? '/' : -1);
        int cy = y.length > n ? Byte.toUnsignedInt(y[n]) : (bDir ? '/' : -1);
        if (x.length == y.length) {
            return cx - cy;
        }
        return Integer.compare(cx, cy);
    }

    private Node node(RepoPath path) throws IOException {
        Node n = root;
        for (String seg : path.segments()) {
            if (!(n instanceof DirNode d)) {
                return null;
            }
            n = children(d).get(seg);
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
            Node next = children(dir).get(segs.get(i));
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
            dir = (DirNode) children(dir).get(seg);
            dir.dirty = true;
        }
    }

    private Map<String, Node> children(DirNode dir) throws IOException {
        if (dir.children == null) {
            dir.children = new TreeMap<>();
            if (dir.id != null) {
                CanonicalTreeParser p = new CanonicalTreeParser(null, reader, dir.id);
                for (; !p.eof(); p.next()) {
                    FileMode mode = p.getEntryFileMode();
                    String name = p.getEntryPathString();
                    if (mode == FileMode.TREE) {
                        dir.children.put(name, new DirNode(p.getEntryObjectId()));
                    } else {
                        dir.children.put(name, new FileNode(p.getEntryObjectId(), mode));
                    }
                }
            }
        }
        return dir.children;
    }

    private ObjectId emptyBlob() throws IOException {
        return inserter.insert(Constants.OBJ_BLOB, new byte[0]);
    }

    private abstract static sealed class Node permits FileNode, DirNode {
    }

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

    private static final class DirNode extends Node {
        final ObjectId id;
        Map<String, Node> children;
        boolean dirty;

        DirNode(ObjectId id) {
            this.id = id;
        }

        static DirNode empty() {
            DirNode d = new DirNode(null);
            d.children = new TreeMap<>();
            d.dirty = true;
            return d;
        }

        /** A clean folder is shared by id; one changed in this edit is copied node by node. */
        DirNode deepCopy(TreeEdit edit) throws IOException {
            if (!dirty) {
                return new DirNode(id);
            }
            DirNode copy = empty();
            for (Map.Entry<String, Node> e : edit.children(this).entrySet()) {
                Node v = e.getValue();
                copy.children.put(e.getKey(), v instanceof DirNode d ? d.deepCopy(edit) : new FileNode(((FileNode) v).id, ((FileNode) v).mode));
            }
            return copy;
        }
    }
}
