package dev.davit.dav;

import dev.davit.storage.history.History;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;

import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.Entry;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Snapshot;
import dev.davit.storage.Timestamps;

/**
 * The read-only {@code .history} tree of a repository, for people who only have a file manager:
 * <ul>
 * <li>{@code .history/} lists the last {@value #MAX_COMMITS} commits of {@code main} as folders
 *     ({@link HistoryNames#commitFolder}), each holding the whole tree as it was: GET and PROPFIND there read
 *     a snapshot of that commit, as {@code ?rev=} does;</li>
 * <li>{@code .history/by-path/{path}/} mirrors the current folders; for a file it is a folder with one entry
 *     per version of it (the last {@value #MAX_COMMITS} commits that changed it).</li>
 * </ul>
 * Writes there are 403; a COPY from there onto the live tree restores a past version in one commit. The
 * tree is computed, never stored: it is not listed in the live tree and cannot be written into a commit;
 * a real {@code .history} in a repository is shadowed.
 */
final class HistoryView {
    static final int MAX_COMMITS = 100;
    private static final Set<String> READS = Set.of("GET", "HEAD", "PROPFIND", "OPTIONS");

    private HistoryView() {
    }

    /** True for {@code .history} and everything below it. */
    static boolean claims(RepoPath p) {
        return !p.isRoot() && p.segments().get(0).equals(HistoryNames.ROOT);
    }

    static void handle(DavExchange x) throws Exception {
        String method = x.request.getMethod();
        if ("COPY".equals(method)) {
            HistoryRestore.restore(x, resolve(x));
            return;
        }
        if (!READS.contains(method)) {
            throw new DavProblem(403, "read-only-history", "/" + x.path() + " is part of the read-only history; COPY from it to restore");
        }
        if ("OPTIONS".equals(method)) {
            OptionsHandler.answer(x.response);
            return;
        }
        Node n = resolve(x);
        try {
            if ("PROPFIND".equals(method)) {
                propfind(x, n);
            } else {
                get(x, n);
            }
        } finally {
            n.close();
        }
    }

    /**
     * What a path below {@code .history} shows: a computed folder (its members listed by {@code members}), or
     * an entry of a past snapshot ({@code snapshot} and {@code entry}, with {@code base} prefixed to its path).
     */
    record Node(Entry self, Timestamps times, List<Node> members, Snapshot snapshot, Entry entry, RepoPath base,
                String shortId) implements AutoCloseable {
        boolean computed() {
            return snapshot == null;
        }

        @Override
        public void close() {
            if (snapshot != null) {
                snapshot.close();
            }
        }
    }

    static Node resolve(DavExchange x) throws Exception {
        List<String> segs = x.path().segments();
        try (Snapshot head = x.repository.head()) {
            Timestamps now = new Timestamps(head.commitTime(), head.commitTime());
            ObjectId headId = head.revision();
            if (segs.size() == 1) {
                return rootFolder(x, headId, now);
            }
            if (segs.get(1).equals(HistoryNames.BY_PATH)) {
                return byPath(x, head, now, RepoPath.of(segs.subList(2, segs.size())));
            }
            String shortId = HistoryNames.shortId(segs.get(1));
            if (shortId == null || headId == null) {
                throw new NotFoundException(x.path(), "/" + x.path() + " names no commit");
            }
            Snapshot s = x.repository.at(shortId);
            try {
                RepoPath inside = RepoPath.of(segs.subList(2, segs.size()));
                Entry e = s.lookup(inside).orElseThrow(() -> new NotFoundException(x.path(), "/" + inside + " did not exist at " + shortId));
                RepoPath base = RepoPath.of(segs.subList(0, 2));
                return new Node(under(base, e), null, null, s, e, base, shortId);
            } catch (Exception e) {
                s.close();
                throw e;
            }
        }
    }

    private static Node rootFolder(DavExchange x, ObjectId headId, Timestamps now) throws IOException, InvalidPathException {
        RepoPath root = RepoPath.of(List.of(HistoryNames.ROOT));
        List<Node> members = new ArrayList<>();
        members.add(folder(root.child(HistoryNames.BY_PATH), headId, now));
        if (headId != null) {
            try (ObjectReader reader = x.repository.newReader()) {
                for (CommitInfo c : History.of(x.repository).log(headId, RepoPath.ROOT, 0, MAX_COMMITS).commits()) {
                    Instant when = c.committer().when();
                    String name = HistoryNames.commitFolder(when, reader.abbreviate(c.id(), 7).name(), c.message());
                    members.add(folder(root.child(name), c.tree(), new Timestamps(when, when)));
                }
            }
        }
        return new Node(new Entry(root, Entry.Kind.FOLDER, headId == null ? Snapshot.EMPTY_TREE : headId), now, members,
                null, null, null, null);
    }

    /** {@code by-path/{p}}: a folder of the head mirrored, the versions of a file, or one version. */
    private static Node byPath(DavExchange x, Snapshot head, Timestamps now, RepoPath p) throws Exception {
        RepoPath self = RepoPath.of(List.of(HistoryNames.ROOT, HistoryNames.BY_PATH));
        self = under(self, p);
        Optional<Entry> live = head.lookup(p);
        ObjectId headId = head.revision();
        if (live.isPresent() && live.get().isFolder()) {
            List<Node> members = new ArrayList<>();
            for (Entry m : head.list(live.get())) {
                members.add(folder(self.child(m.name()), m.id(), now));
            }
            return new Node(new Entry(self, Entry.Kind.FOLDER, live.get().id()), now, members, null, null, null, null);
        }
        if (headId != null) {
            List<Node> versions = versions(x, p, self, headId);
            if (!versions.isEmpty()) {
                return new Node(new Entry(self, Entry.Kind.FOLDER, headId), now, versions, null, null, null, null);
            }
            String shortId = p.isRoot() ? null : HistoryNames.shortId(p.name());
            if (shortId != null) {
                for (Node v : versions(x, p.parent(), self.parent(), headId)) {
                    if (v.self().name().equals(p.name())) {
                        Snapshot s = x.repository.at(v.shortId());
                        Entry e = s.lookup(p.parent()).orElse(null);
                        if (e != null && !e.isFolder()) {
                            return new Node(v.self(), null, null, s, e, null, v.shortId());
                        }
                        s.close();
                    }
                }
            }
        }
        throw new NotFoundException(p, "/" + x.path() + " does not exist");
    }

    /** One entry per commit that changed file {@code p} and left a file there (deletions have no content). */
    private static List<Node> versions(DavExchange x, RepoPath p, RepoPath folder, ObjectId headId) throws IOException {
        List<Node> out = new ArrayList<>();
        if (p.isRoot()) {
            return out;
        }
        try (ObjectReader reader = x.repository.newReader()) {
            for (CommitInfo c : History.of(x.repository).log(headId, p, 0, MAX_COMMITS).commits()) {
                String shortId = reader.abbreviate(c.id(), 7).name();
                try (Snapshot s = x.repository.at(c.id().name())) {
                    Optional<Entry> e = s.lookup(p);
                    if (e.isEmpty() || e.get().isFolder()) {
                        continue;
                    }
                    Instant when = c.committer().when();
                    RepoPath name = folder.child(HistoryNames.version(when, shortId, p.name()));
                    out.add(new Node(new Entry(name, Entry.Kind.FILE, e.get().id()), new Timestamps(when, when), null,
                            null, null, null, shortId));
                } catch (NotFoundException e) {
                    // a commit the walk found is always there; nothing to list if it is not
                }
            }
        }
        return out;
    }

    private static Node folder(RepoPath path, ObjectId id, Timestamps times) {
        return new Node(new Entry(path, Entry.Kind.FOLDER, id), times, List.of(), null, null, null, null);
    }

    /** {@code e} of a snapshot, as it appears below {@code base}. */
    static Entry under(RepoPath base, Entry e) {
        return new Entry(under(base, e.path()), e.kind(), e.id());
    }

    private static RepoPath under(RepoPath base, RepoPath p) {
        return p.rebase(RepoPath.ROOT, base);
    }

    private static LiveProperties.Facts facts(Node n, long size) {
        return new LiveProperties.Facts() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public Timestamps times() {
                return n.times();
            }
        };
    }

    private static void propfind(DavExchange x, Node n) throws Exception {
        int depth = PropfindHandler.depth(x.header("Depth"));
        PropfindHandler.Query q = PropfindHandler.query(x.xmlBody());
        if (n.computed()) {
            if (depth == Integer.MAX_VALUE && n.self().isFolder()) {
                // 100 commits times the whole tree: RFC 4918 §9.1 lets a server refuse infinity.
                throw new DavProblem(403, "propfind-finite-depth", "Depth: infinity is not served below .history; use Depth 1");
            }
            try (Multistatus ms = new Multistatus(x.response)) {
                describeComputed(x, n, q, ms);
                if (depth > 0 && n.members() != null) {
                    for (Node m : n.members()) {
                        describeComputed(x, m, q, ms);
                    }
                }
            }
            return;
        }
        Snapshot s = n.snapshot();
        try (Multistatus ms = new Multistatus(x.response)) {
            PropfindHandler.describe(x, LiveProperties.of(s, n.entry()), n.self(), s.metadata(n.entry()).orElse(null), q, ms);
            if (n.base() != null) {
                s.walk(n.entry(), depth, (e, props) -> PropfindHandler.describe(x, LiveProperties.of(s, e), under(n.base(), e),
                        props == null ? null : s.readMetadata(props), q, ms));
            }
        }
    }

    private static void describeComputed(DavExchange x, Node n, PropfindHandler.Query q, Multistatus ms) throws IOException {
        long size = 0;
        if (!n.self().isFolder()) {
            try (ObjectReader reader = x.repository.newReader()) {
                size = reader.getObjectSize(n.self().id(), org.eclipse.jgit.lib.Constants.OBJ_BLOB);
            }
        }
        PropfindHandler.describe(x, facts(n, size), n.self(), null, q, ms);
    }

    private static void get(DavExchange x, Node n) throws Exception {
        Entry shown = n.computed() ? n.self() : n.entry();
        x.response.setHeader("ETag", ETags.of(shown));
        if (!shown.isFolder() && !n.computed()) {
            Snapshot s = n.snapshot();
            x.response.setDateHeader("Last-Modified", s.modified(shown).toEpochMilli());
            GetHandler.file(x, shown, s.size(shown), () -> s.open(shown));
            return;
        }
        List<Entry> members = new ArrayList<>();
        if (n.computed()) {
            for (Node m : n.members()) {
                members.add(m.self());
            }
        } else {
            for (Entry e : n.snapshot().list(shown)) {
                members.add(under(n.base(), e));
            }
        }
        x.response.setStatus(200);
        x.response.setContentType("text/html; charset=utf-8");
        if ("HEAD".equals(x.request.getMethod())) {
            return;
        }
        String title = x.target.owner() + "/" + x.target.repo() + "/" + n.self().path();
        try (Writer w = new OutputStreamWriter(x.response.getOutputStream(), StandardCharsets.UTF_8)) {
            w.write("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + Xml.text(title) + "</title></head><body>\n");
            w.write("<h1>" + Xml.text(title) + "</h1>\n<p>read-only history; COPY an entry onto the live tree to restore it</p>\n<ul>\n");
            w.write("<li><a href=\"" + Xml.attr(x.target.href(n.self().path().parent(), true)) + "\">../</a></li>\n");
            for (Entry m : members) {
                w.write("<li><a href=\"" + Xml.attr(x.target.href(m.path(), m.isFolder())) + "\">" + Xml.text(m.name())
                        + (m.isFolder() ? "/" : "") + "</a></li>\n");
            }
            w.write("</ul></body></html>\n");
        }
    }
}
