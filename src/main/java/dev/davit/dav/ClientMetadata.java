package dev.davit.dav;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.Entry;
import dev.davit.storage.GitRepository;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;

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
 */
public final class ClientMetadata implements AutoCloseable {
    private static final String NEXT_ID = "next-id";
    private static final String INSTANCE = "instance";
    private static final int FOLDER_SIZES = 100_000;

    private final boolean durable;
    private final Map<String, Repo> repos = new LinkedHashMap<>();
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
            r = new Repo(new PathLog(dir.resolve("davit-fileids"), durable), new PathLog(dir.resolve("davit-mtimes"), durable),
                    new PathLog(dir.resolve("davit-clientprops"), durable), new PathLog(dir.resolve("davit-away"), durable));
            r.instance(); // made (and made durable) now, not in the middle of a listing
            repos.put(key, r);
        }
        return r;
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

        Repo(PathLog ids, PathLog times, PathLog props, PathLog away) {
            this.ids = ids;
            this.times = times;
            this.props = props;
            this.away = away;
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

        /** Makes every change so far durable; called before a request that made one is answered. */
        void sync() {
            ids.sync();
            times.sync();
            props.sync();
            away.sync();
        }
    }
}
