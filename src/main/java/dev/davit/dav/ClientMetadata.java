package dev.davit.dav;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.davit.storage.Entry;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NoteKeeper;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.disk.StagedSwap;

/**
 * What sync clients need that a git tree does not hold, kept beside each repository (in its git
 * directory) so that a {@code git clone} shows only real files:
 * <ul>
 * <li>file ids ({@code oc:fileid}): a number per path, given the first time a path is shown, following
 * the path through WebDAV MOVEs, dropped with DELETE, and never given twice (a counter that only grows),
 * which is how the Nextcloud and ownCloud clients recognise a rename;</li>
 * <li>client modification times ({@code X-OC-Mtime}): kept with the blob id they were given for, so a
 * change through another front end (REST, git push) makes the commit time current again;</li>
 * <li>client-only properties (PROPPATCH of Windows' {@code Win32*} times and attributes, {@code getlastmodified}):
 * file-system facts of one client's copy, not content, kept with the blob id like the times, so Explorer's
 * PROPPATCH after its PUT makes no commit of its own;</li>
 * <li>files moved away: a committed file MOVEd onto a name kept aside (Word's {@code doc -> ~WRL0001.tmp}, a
 * backup {@code name~}) is hidden from WebDAV with no commit, because an editor moves it there only to put
 * the new version in its place; what comes back is committed as a modification (see {@link SideFileRequests}).</li>
 * </ul>
 * One instance for the server, shared by every WebDAV mount, since a MOVE through {@code /dav} must move
 * the ids the sync clients see.
 *
 * <p>Cluster mode (a repository that is {@link GitRepository#replicated}): what a request changed is one note
 * of the replicated log ({@link #NOTES}) when the request syncs, committed on a majority before it is answered,
 * and applied on every node in the log's order ({@link #apply}); so every node gives a path the same id and
 * time, and a client sees the same ids after the leader is gone. The node that made a note has it in memory
 * already and only writes it; a note that was not committed makes that node read its files again (they hold
 * only committed notes). A restart skips the notes applied before (their index is kept). The instance id is
 * the same on every node: derived from the repository's name.
 */
public final class ClientMetadata implements AutoCloseable, NoteKeeper {
    /** The kind of this store's notes in the replicated log. */
    public static final String NOTES = "dav.client-metadata";
    private static final Logger LOG = LoggerFactory.getLogger(ClientMetadata.class);
    private static final String NEXT_ID = "next-id";
    /** A repository's files in its git directory: its four path logs. */
    private static final List<String> FILES = List.of("davit-fileids", "davit-mtimes", "davit-clientprops", "davit-away");
    /** Cluster mode: the index of the last note applied, beside them. */
    private static final String APPLIED = "davit-clientmeta-applied";
    /** Cluster mode: where another node's files are written before they take the place of these ({@link StagedSwap}). */
    private static final String INCOMING = "davit-clientmeta-incoming";
    private static final List<String> SWAPPED = List.of("davit-fileids", "davit-mtimes", "davit-clientprops", "davit-away", APPLIED);
    private static final String INSTANCE = "instance";
    private static final int FOLDER_SIZES = 100_000;
    /** The most one note holds: well inside what the replicated log takes in one entry. */
    static final long MAX_NOTE_BYTES = 4L << 20;

    private final boolean durable;
    private final Map<String, Repo> repos = new LinkedHashMap<>();
    /** Cluster mode: the notes this node made and awaits (it has them in memory already). */
    private final Set<String> made = ConcurrentHashMap.newKeySet();
    /** Folder sizes by tree id: a tree never changes, so its size is computed once. */
    private final Map<ObjectId, Long> folderSizes = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectId, Long> eldest) {
            return size() > FOLDER_SIZES;
        }
    };

    /** @param durable fsync each change before the request that made it is answered */
    public ClientMetadata(boolean durable) {
        this.durable = durable;
    }

    /** The metadata of one repository, opened on first use. */
    synchronized Repo of(GitRepository repository) throws IOException {
        String key = repository.owner() + "/" + repository.name();
        Repo r = repos.get(key);
        if (r == null) {
            Path dir = repository.gitDir();
            boolean replicated = repository.replicated();
            // A replacement by another node's files (cluster catch-up) that a crash interrupted: finished or dropped.
            StagedSwap.recover(dir, INCOMING, SWAPPED, durable);
            r = new Repo(new PathLog(dir.resolve(FILES.get(0)), durable, replicated),
                    new PathLog(dir.resolve(FILES.get(1)), durable, replicated),
                    new PathLog(dir.resolve(FILES.get(2)), durable, replicated),
                    new PathLog(dir.resolve(FILES.get(3)), durable, replicated),
                    replicated ? new Replication(repository, dir.resolve(APPLIED)) : null);
            r.instance(); // made (and made durable) now, not in the middle of a listing
            repos.put(key, r);
        }
        return r;
    }

    /** Cluster mode: how a repository's changes reach the replicated log, and the index of the last note applied. */
    private final class Replication {
        final GitRepository repository;
        final Path appliedFile;
        /** Held while a note is taken and committed: the log gets the notes in the order they were made. */
        final Object shipping = new Object();
        long appliedIndex = -2; // not read yet
        /** Set (under this object's lock) once another node's files replaced these: a note goes to the new ones. */
        boolean replaced;

        Replication(GitRepository repository, Path appliedFile) {
            this.repository = repository;
            this.appliedFile = appliedFile;
        }

        /** The same on every node, and another in another repository (Nextcloud's oc:id ends with it). */
        String instance() {
            byte[] d;
            try {
                d = MessageDigest.getInstance("SHA-256").digest(
                        (repository.owner() + "/" + repository.name()).getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
            StringBuilder sb = new StringBuilder("oc");
            for (int i = 0; i < 10; i++) {
                sb.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt((d[i] & 0xff) % 36));
            }
            return sb.toString();
        }

        /**
         * Commits what the repository's logs recorded since the last note, as one note (several, in order, past
         * {@link #MAX_NOTE_BYTES}: the first listing of a very large folder). Held while committed, so a request
         * whose changes another request's note took waits for that note before it is answered.
         */
        void ship(Repo r) {
            synchronized (shipping) {
                String[] records = {r.ids.drainPending(), r.times.drainPending(), r.props.drainPending(), r.away.drainPending()};
                for (String[] part : parts(records)) {
                    String id = UUID.randomUUID().toString();
                    made.add(id);
                    try {
                        repository.commitNote(NOTES, encode(id, part));
                    } catch (IOException | RuntimeException e) {
                        // Not committed: this node's maps hold changes the others never will. They are read again
                        // from the files, which hold committed notes only (one committed later is applied then).
                        LOG.warn("cluster: {}/{}: sync-client metadata not committed ({}); read again from what was",
                                repository.owner(), repository.name(), e.toString());
                        forget(repository, r);
                        return;
                    } finally {
                        made.remove(id);
                    }
                }
            }
        }

        long appliedIndex() throws IOException {
            if (appliedIndex == -2) {
                appliedIndex = Files.isRegularFile(appliedFile)
                        ? Long.parseLong(Files.readString(appliedFile, StandardCharsets.US_ASCII).trim()) : -1;
            }
            return appliedIndex;
        }

        /** After the note it names: a crash between them applies that note again, which changes nothing (PathLog). */
        void applied(long index) throws IOException {
            Path tmp = appliedFile.resolveSibling(appliedFile.getFileName() + ".tmp");
            Files.writeString(tmp, index + "\n", StandardCharsets.US_ASCII);
            if (durable) {
                try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            Files.move(tmp, appliedFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            appliedIndex = index;
        }
    }

    /** Drops a repository's maps (cluster mode, after a note was not committed): the next use reads the files. */
    private synchronized void forget(GitRepository repository, Repo r) {
        String key = repository.owner() + "/" + repository.name();
        if (repos.get(key) == r) {
            repos.remove(key);
        }
        try {
            r.ids.discard();
            r.times.discard();
            r.props.discard();
            r.away.discard();
        } catch (IOException e) {
            LOG.warn("cluster: {}: closing the sync-client metadata failed: {}", key, e.toString());
        }
    }

    /** The records of the four logs in notes of at most {@link #MAX_NOTE_BYTES} each, cut between records; none when empty. */
    static List<String[]> parts(String[] records) {
        List<String[]> out = new ArrayList<>();
        int[] from = new int[records.length];
        while (true) {
            String[] part = new String[records.length];
            long room = MAX_NOTE_BYTES;
            boolean any = false;
            for (int i = 0; i < records.length; i++) {
                int end = from[i];
                while (end < records[i].length()) {
                    int nl = records[i].indexOf('\n', end);
                    int next = nl < 0 ? records[i].length() : nl + 1;
                    // UTF-8 takes at most three bytes per char of a Java string (a surrogate pair: four for two).
                    if (3L * (next - from[i]) > room && end > from[i]) {
                        break;
                    }
                    end = next;
                }
                part[i] = records[i].substring(from[i], end);
                room -= 3L * part[i].length();
                any |= !part[i].isEmpty();
                from[i] = end;
            }
            if (!any) {
                return out;
            }
            out.add(part);
        }
    }

    private static byte[] encode(String id, String[] records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(id);
            for (String r : records) {
                byte[] b = r.getBytes(StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Cluster mode: applies a committed note to the repository's maps and files, on every node in the log's order
     * ({@link NoteKeeper}). One made here is in the maps already and is only written; one at or below the index of
     * the last applied here was applied before a restart and is skipped.
     */
    @Override
    public void apply(GitRepository repository, byte[] note, long index) throws IOException {
        String id;
        String[] records = new String[4];
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(note))) {
            id = in.readUTF();
            for (int i = 0; i < records.length; i++) {
                int n = in.readInt();
                if (n < 0 || n > in.available()) {
                    throw new IOException("a sync-client metadata note with a part of " + n + " bytes");
                }
                records[i] = new String(in.readNBytes(n), StandardCharsets.UTF_8);
            }
        }
        while (true) {
            Repo r = of(repository);
            if (r.replication == null) {
                throw new IOException(repository.owner() + "/" + repository.name() + " is not replicated, yet a note came for it");
            }
            if (apply(r, id, records, index)) {
                return;
            }
        }
    }

    /** False when {@code r}'s files were replaced meanwhile ({@link #replace}): the note goes to the new ones. */
    private boolean apply(Repo r, String id, String[] records, long index) throws IOException {
        synchronized (r.replication) {
            if (r.replication.replaced) {
                return false;
            }
            if (index <= r.replication.appliedIndex()) {
                return true;
            }
            boolean toMemory = !made.contains(id);
            r.ids.appendApplied(records[0], toMemory);
            r.times.appendApplied(records[1], toMemory);
            r.props.appendApplied(records[2], toMemory);
            r.away.appendApplied(records[3], toMemory);
            r.replication.applied(index);
            return true;
        }
    }

    /**
     * Cluster mode, for a node that catches up from this one: the repository's path logs as the notes applied so
     * far left them (they hold committed notes only) and the index of the last one, read under the lock a note is
     * applied under, so no note is half in them.
     */
    @Override
    public State export(GitRepository repository) throws IOException {
        synchronized (this) { // no other Repo of it is opened meanwhile (one whose note was not committed is dropped)
            Repo r = of(repository);
            if (r.replication == null) {
                throw new IOException(repository.owner() + "/" + repository.name() + " is not replicated");
            }
            synchronized (r.replication) {
                Map<String, byte[]> files = new LinkedHashMap<>();
                for (String f : FILES) {
                    files.put(f, Files.readAllBytes(repository.gitDir().resolve(f)));
                }
                return new State(r.replication.appliedIndex(), files);
            }
        }
    }

    /**
     * Cluster mode, on a node that fell behind the start of the log: another node's files ({@link #export}) take
     * the place of this node's, with their index, at once (written beside, fsynced, one rename; a crash leaves
     * the old ones or the new ones); the next use reads them.
     */
    @Override
    public void replace(GitRepository repository, State state) throws IOException {
        String key = repository.owner() + "/" + repository.name();
        if (!repository.replicated()) {
            throw new IOException(key + " is not replicated");
        }
        if (!state.files().keySet().equals(java.util.Set.copyOf(FILES))) {
            throw new IOException("sync-client metadata of " + key + " with the files " + state.files().keySet()
                    + ", not " + FILES);
        }
        for (Map.Entry<String, byte[]> f : state.files().entrySet()) {
            PathLog.check(f.getKey(), f.getValue());
        }
        synchronized (this) {
            Repo r = repos.remove(key);
            if (r != null) {
                synchronized (r.replication) {
                    r.replication.replaced = true;
                    r.ids.discard();
                    r.times.discard();
                    r.props.discard();
                    r.away.discard();
                }
            }
            Path dir = repository.gitDir();
            StagedSwap.recover(dir, INCOMING, SWAPPED, durable); // one committed whose moves failed midway: finished first
            Path staged = StagedSwap.begin(dir, INCOMING);
            for (Map.Entry<String, byte[]> f : state.files().entrySet()) {
                Files.write(staged.resolve(f.getKey()), f.getValue());
            }
            Files.writeString(staged.resolve(APPLIED), state.index() + "\n", StandardCharsets.US_ASCII);
            StagedSwap.commit(dir, INCOMING, SWAPPED, durable);
        }
    }

    /** A folder's size: the bytes of every file below it (Nextcloud's {@code oc:size} of a folder). */
    long folderSize(Snapshot s, Entry folder) throws IOException {
        synchronized (folderSizes) {
            Long known = folderSizes.get(folder.id());
            if (known != null) {
                return known;
            }
        }
        long total = 0;
        for (Entry e : s.list(folder)) {
            total += e.isFolder() ? folderSize(s, e) : s.size(e);
        }
        synchronized (folderSizes) {
            folderSizes.put(folder.id(), total);
        }
        return total;
    }

    @Override
    public synchronized void close() throws IOException {
        List<IOException> failures = new ArrayList<>();
        for (Repo r : repos.values()) {
            try {
                if (r.replication != null) {
                    // What was not synced was never committed: the files keep committed notes only.
                    r.ids.discard();
                    r.times.discard();
                    r.props.discard();
                    r.away.discard();
                    continue;
                }
                r.ids.close();
                r.times.close();
                r.props.close();
                r.away.close();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        repos.clear();
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** One repository's ids and times. */
    static final class Repo {
        private final PathLog ids;
        private final PathLog times;
        private final PathLog props;
        private final PathLog away;
        /** Cluster mode's way to the replicated log, or null (a single node: the files are the store). */
        private final Replication replication;

        /** A single node's: its files are the store. */
        Repo(PathLog ids, PathLog times, PathLog props, PathLog away) {
            this(ids, times, props, away, null);
        }

        private Repo(PathLog ids, PathLog times, PathLog props, PathLog away, Replication replication) {
            this.ids = ids;
            this.times = times;
            this.props = props;
            this.away = away;
            this.replication = replication;
        }

        /** The client-only properties (a {@link DeadProperties} document) of this content at this path, or null. */
        byte[] clientProperties(RepoPath path, ObjectId blob) {
            String v = props.get(path.toString());
            if (v == null) {
                return null;
            }
            int space = v.indexOf(' ');
            return v.substring(0, space).equals(blob.name()) ? java.util.Base64.getDecoder().decode(v.substring(space + 1)) : null;
        }

        /** Keeps (or, with null, forgets) the client-only properties of a file's content. */
        void setClientProperties(RepoPath path, ObjectId blob, byte[] document) {
            if (document == null) {
                props.delete(path.toString());
            } else {
                props.put(path.toString(), blob.name() + " " + java.util.Base64.getEncoder().encodeToString(document));
            }
        }

        /** A path this log wrote (so valid when written). */
        private static RepoPath stored(String path) {
            try {
                return RepoPath.parse(path);
            } catch (dev.davit.storage.InvalidPathException e) {
                throw new IllegalStateException("bad path in a Davit path log: " + path, e);
            }
        }

        /** The kept-aside name a committed file was moved to (and hidden under), or null. */
        RepoPath awayAt(RepoPath path) {
            if (path.isRoot()) {
                return null;
            }
            String v = away.get(path.toString());
            return v == null ? null : stored(v);
        }

        /** The paths of the committed files moved away now (usually none). */
        java.util.Set<String> awayPaths() {
            return away.entries().keySet();
        }

        /** The committed file that was moved away to the kept-aside name {@code aside}, or null. */
        RepoPath awayFrom(RepoPath aside) {
            for (Map.Entry<String, String> e : away.entries().entrySet()) {
                if (e.getValue().equals(aside.toString())) {
                    return stored(e.getKey());
                }
            }
            return null;
        }

        /** Marks a committed file as moved away to {@code aside} (null: back, committed or deleted). */
        void setAway(RepoPath path, RepoPath aside) {
            if (aside == null) {
                away.delete(path.toString());
            } else {
                away.put(path.toString(), aside.toString());
            }
        }

        /**
         * The repository's instance id, random and kept: Nextcloud's {@code oc:id} is the file id followed by
         * the server's instance id, so a client never mistakes one repository's file 12 for another's.
         */
        String instance() {
            if (replication != null) {
                return replication.instance();
            }
            synchronized (ids) {
                String v = ids.header(INSTANCE);
                if (v == null) {
                    StringBuilder sb = new StringBuilder("oc");
                    java.security.SecureRandom random = new java.security.SecureRandom();
                    for (int i = 0; i < 10; i++) {
                        sb.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
                    }
                    v = sb.toString();
                    ids.setHeader(INSTANCE, v);
                    ids.sync();
                }
                return v;
            }
        }

        /** Nextcloud's {@code oc:id} (and {@code OC-FileId}): the file id, eight digits at least, then the instance. */
        String ocId(RepoPath path) {
            return String.format(java.util.Locale.ROOT, "%08d", fileId(path)) + instance();
        }

        /** The path that has this file id now, or null (never given, or its file was deleted). */
        RepoPath pathOf(long id) {
            String wanted = Long.toString(id);
            synchronized (ids) {
                for (Map.Entry<String, String> e : ids.entries().entrySet()) {
                    if (e.getValue().equals(wanted)) {
                        return stored(e.getKey());
                    }
                }
            }
            return null;
        }

        /** The path's file id, given now if it has none. */
        long fileId(RepoPath path) {
            synchronized (ids) {
                String v = ids.get(path.toString());
                if (v != null) {
                    return Long.parseLong(v);
                }
                String next = ids.header(NEXT_ID);
                long id = next == null ? 1 : Long.parseLong(next);
                ids.setHeader(NEXT_ID, Long.toString(id + 1));
                ids.put(path.toString(), Long.toString(id));
                return id;
            }
        }

        /** The client's modification time of this content at this path, or null. */
        Instant clientTime(RepoPath path, ObjectId blob) {
            String v = times.get(path.toString());
            if (v == null) {
                return null;
            }
            int space = v.indexOf(' ');
            return v.substring(0, space).equals(blob.name()) ? Instant.ofEpochSecond(Long.parseLong(v.substring(space + 1))) : null;
        }

        /** Keeps (or, with null, forgets) the client's time of a file's new content. */
        void setClientTime(RepoPath path, ObjectId blob, Instant mtime) {
            if (mtime == null) {
                times.delete(path.toString());
            } else {
                times.put(path.toString(), blob.name() + " " + mtime.getEpochSecond());
            }
        }

        /** A WebDAV MOVE: ids and times go with the path and everything below it. */
        void moved(RepoPath from, RepoPath to) {
            ids.move(from.toString(), to.toString(), true);
            times.move(from.toString(), to.toString(), true);
            props.move(from.toString(), to.toString(), true);
        }

        /** A COPY: times are copied (the content is the same); the copy gets new ids when first shown. */
        void copied(RepoPath from, RepoPath to) {
            ids.delete(to.toString());
            times.move(from.toString(), to.toString(), false);
            props.move(from.toString(), to.toString(), false);
        }

        /** A DELETE (or a MOVE/COPY overwriting): the path's ids end, never to be given again. */
        void deleted(RepoPath path) {
            ids.delete(path.toString());
            times.delete(path.toString());
            props.delete(path.toString());
        }

        /**
         * Makes every change so far durable; called before a request that made one is answered. In cluster mode:
         * committed on a majority as one note (best effort: a node that cannot commit it no longer leads, and
         * forgets it).
         */
        void sync() {
            if (replication != null) {
                replication.ship(this);
                return;
            }
            ids.sync();
            times.sync();
            props.sync();
            away.sync();
        }
    }
}
