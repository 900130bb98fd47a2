package dev.davit.dav;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import dev.davit.storage.Entry;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;
import dev.davit.storage.Snapshot;

/**
 * PROPFIND (RFC 4918 §9.1) at Depth 0, 1 or infinity, streamed from a tree walk: milton's stock handler
 * silently stops at 3 levels and builds the whole answer in memory. {@code ?rev=} lists a past state.
 */
final class PropfindHandler extends DavMethod {
    /** Bodies up to this size have their parsed query remembered. */
    private static final int REMEMBERED_BODY = 4096;
    private static final int REMEMBERED_QUERIES = 64;

    /**
     * Parsed queries by body: clients send the same few PROPFIND bodies over and over, and parsing one with
     * the JDK's DOM parser was a tenth of a 1,000-member listing's time. Only bodies that parsed are kept
     * (a bad one is parsed, and refused, every time); bounded, emptied when full.
     */
    private final java.util.concurrent.ConcurrentHashMap<java.nio.ByteBuffer, Query> queries =
            new java.util.concurrent.ConcurrentHashMap<>();

    PropfindHandler() {
        super("PROPFIND");
    }

    enum Kind { ALLPROP, PROPNAME, PROP }

    record Query(Kind kind, List<PropertyName> names) {
    }

    @Override
    void handle(DavExchange x) throws Exception {
        int depth = depth(x.header("Depth"));
        Query q = rememberedQuery(x.xmlBody());
        String rev = x.rev();
        try (Snapshot s = rev == null ? x.repository.head() : x.repository.at(rev)) {
            if (rev == null) {
                Optional<SideFiles.SideFile> side = SideFileRequests.find(x, s, x.path());
                if (side.isPresent()) {
                    try (Multistatus ms = new Multistatus(x.response)) {
                        describe(x, LiveProperties.of(side.get()), SideFileRequests.entry(side.get()),
                                x.repository.sideFiles().metadata(side.get().path()).orElse(null), q, ms);
                        syncIds(x, q);
                    }
                    return;
                }
                if (SideFileRequests.hidden(x, x.path())) {
                    throw new NotFoundException(x.path(), "/" + x.path() + " does not exist");
                }
            }
            Entry target = s.lookup(x.path()).orElseThrow(() -> new NotFoundException(x.path(), "/" + x.path() + " does not exist"));
            if (depth == Integer.MAX_VALUE && target.isFolder()) {
                refuseIfTooLarge(x, s, target);
            }
            boolean withSide = rev == null;
            try (Multistatus ms = new Multistatus(x.response)) {
                describe(x, LiveProperties.of(s, target), target, s.metadata(target).orElse(null), q, ms);
                if (withSide && depth > 0 && target.isFolder()) {
                    describeSideFiles(x, target, q, ms);
                }
                int base = target.path().depth();
                java.util.Set<String> away = withSide ? x.clientMetadata().awayPaths() : java.util.Set.of();
                boolean anyAway = !away.isEmpty();
                MemberHrefs hrefs = new MemberHrefs(x.target);
                s.walk(target, depth, (e, props) -> {
                    if (HistoryView.claims(e.path())) {
                        return; // a real .history is shadowed by the computed one and never listed
                    }
                    if (anyAway && !e.isFolder() && away.contains(e.path().toString())) {
                        return; // moved away in the middle of a save (Word's ~WRL): its new version comes back
                    }
                    describe(x, LiveProperties.of(s, e), e, hrefs.of(e), props == null ? null : s.readMetadata(props), q, ms);
                    // Kept-aside files show in every folder whose members this answer lists.
                    if (withSide && e.isFolder() && (depth == Integer.MAX_VALUE || e.path().depth() - base < depth)) {
                        describeSideFiles(x, e, q, ms);
                    }
                });
                syncIds(x, q);
            }
        }
    }

    /**
     * RFC 4918 §9.1: a server may refuse Depth: infinity with 403 and {@code propfind-finite-depth}. Counted
     * before anything is written, since a 207 cannot turn into a 403 halfway through.
     */
    private static void refuseIfTooLarge(DavExchange x, Snapshot s, Entry target) throws java.io.IOException {
        int max = x.settings.maxPropfindEntries();
        if (s.countUpTo(target, max) > max) {
            throw new DavProblem(403, "finite-depth", "propfind-finite-depth", "/" + target.path()
                    + " holds more than " + max + " entries (limits.propfind.entries); ask for Depth: 1");
        }
    }

    /** File ids given during this listing are made durable before the answer ends. */
    private static void syncIds(DavExchange x, Query q) throws IOException {
        for (PropertyName n : q.names()) {
            if (OcProperties.NS.equals(n.ns())) {
                x.clientMetadata().sync();
                return;
            }
        }
    }

    static int depth(String header) {
        if (header == null) {
            return Integer.MAX_VALUE; // §10.2: no Depth on PROPFIND means infinity.
        }
        return switch (header.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "0" -> 0;
            case "1" -> 1;
            case "infinity" -> Integer.MAX_VALUE;
            default -> throw DavProblem.badRequest("Depth must be 0, 1 or infinity");
        };
    }

    private Query rememberedQuery(byte[] body) {
        if (body.length == 0 || body.length > REMEMBERED_BODY) {
            return query(body);
        }
        java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(body);
        Query q = queries.get(key);
        if (q == null) {
            q = query(body);
            if (queries.size() >= REMEMBERED_QUERIES) {
                queries.clear();
            }
            queries.put(key, q);
        }
        return q;
    }

    static Query query(byte[] body) {
        if (body.length == 0) {
            return new Query(Kind.ALLPROP, List.of()); // §9.1: an empty body is allprop.
        }
        Document doc = Xml.parse(body);
        Element root = doc.getDocumentElement();
        if (!Xml.is(root, Xml.DAV, "propfind")) {
            throw DavProblem.badRequest("PROPFIND body must be a DAV:propfind element");
        }
        Element prop = Xml.child(root, Xml.DAV, "prop");
        if (prop != null) {
            List<PropertyName> names = new ArrayList<>();
            for (Element e : Xml.children(prop)) {
                names.add(DeadProperties.nameOf(e));
            }
            return new Query(Kind.PROP, List.copyOf(names));
        }
        if (Xml.child(root, Xml.DAV, "propname") != null) {
            return new Query(Kind.PROPNAME, List.of());
        }
        if (Xml.child(root, Xml.DAV, "allprop") != null) {
            Element include = Xml.child(root, Xml.DAV, "include");
            List<PropertyName> names = new ArrayList<>();
            if (include != null) {
                for (Element e : Xml.children(include)) {
                    names.add(DeadProperties.nameOf(e));
                }
            }
            return new Query(Kind.ALLPROP, List.copyOf(names));
        }
        throw DavProblem.badRequest("PROPFIND body needs prop, propname or allprop");
    }

    private static void describeSideFiles(DavExchange x, Entry folder, Query q, Multistatus ms) throws IOException {
        for (SideFiles.SideFile f : x.repository.sideFiles().list(folder.path())) {
            describe(x, LiveProperties.of(f), SideFileRequests.entry(f), x.repository.sideFiles().metadata(f.path()).orElse(null), q, ms);
        }
    }

    /**
     * Hrefs of a walk's members: a member's is its folder's href plus its encoded name, so the folder's is
     * encoded once, not again for each of its members (DavTarget.href per member was a tenth of a 1,000-member
     * listing's time). The same text as {@link DavTarget#href}.
     */
    static final class MemberHrefs {
        private final DavTarget target;
        private String folder;       // the joined path of the last member's folder
        private String folderHref;   // its href, ending in '/'

        MemberHrefs(DavTarget target) {
            this.target = target;
        }

        String of(Entry e) {
            String path = e.path().toString();
            if (folder == null || !in(path, folder)) {
                RepoPath parent = e.path().parent();
                folder = parent.toString();
                folderHref = target.href(parent, true);
            }
            String name = UrlCodec.encode(e.name());
            return e.isFolder() ? folderHref + name + "/" : folderHref + name;
        }

        /** True when {@code path} is directly inside {@code dir} (joined forms; "" is the root). */
        private static boolean in(String path, String dir) {
            if (dir.isEmpty()) {
                return path.indexOf('/') < 0;
            }
            int n = dir.length();
            return path.length() > n + 1 && path.charAt(n) == '/' && path.startsWith(dir) && path.indexOf('/', n + 1) < 0;
        }
    }

    static void describe(DavExchange x, LiveProperties.Facts s, Entry e, byte[] props, Query q, Multistatus ms)
            throws IOException {
        describe(x, s, e, x.target.href(e.path(), e.isFolder()), props, q, ms);
    }

    static void describe(DavExchange x, LiveProperties.Facts s, Entry e, String href, byte[] props, Query q, Multistatus ms)
            throws IOException {
        DeadProperties dead = props == null ? DeadProperties.empty() : DeadProperties.parse(props);
        if (!e.isFolder() && x.rev() == null) {
            // Client-only properties (Win32 times, getlastmodified) are kept beside the repository per content.
            byte[] client = x.clientMetadata().clientProperties(e.path(), e.id());
            if (client != null) {
                DeadProperties.parse(client).values().forEach(dead::set);
            }
        }
        ms.beginResponse(href);
        List<String> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        switch (q.kind()) {
            case PROPNAME -> {
                for (PropertyName n : LiveProperties.ALL) {
                    if (LiveProperties.render(n, e, s, x) != null) {
                        found.add(LiveProperties.emptyElement(n));
                    }
                }
                for (PropertyName n : dead.values().keySet()) {
                    if (!LiveProperties.ALL.contains(n)) {
                        found.add(LiveProperties.emptyElement(n));
                    }
                }
            }
            case ALLPROP -> {
                for (PropertyName n : LiveProperties.ALL) {
                    String v = value(n, e, s, dead, x);
                    if (v != null) {
                        found.add(v);
                    }
                }
                for (Map.Entry<PropertyName, String> d : dead.values().entrySet()) {
                    if (!LiveProperties.ALL.contains(d.getKey())) {
                        found.add(d.getValue());
                    }
                }
            }
            case PROP -> {
                for (PropertyName n : q.names()) {
                    String v = value(n, e, s, dead, x);
                    if (v != null) {
                        found.add(v);
                    } else {
                        missing.add(LiveProperties.emptyElement(n));
                    }
                }
            }
        }
        ms.propstat(found, 200);
        ms.propstat(missing, 404);
        ms.endResponse();
    }

    /** A dead property set by a client shadows the computed one of the same name. */
    private static String value(PropertyName n, Entry e, LiveProperties.Facts s, DeadProperties dead, DavExchange x)
            throws IOException {
        String d = dead.get(n);
        return d != null ? d : LiveProperties.render(n, e, s, x);
    }
}
