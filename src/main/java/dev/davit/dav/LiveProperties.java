package dev.davit.dav;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.davit.lock.Lock;
import dev.davit.storage.Entry;
import dev.davit.storage.Snapshot;
import dev.davit.storage.Timestamps;

/** The properties the server computes (RFC 4918 §15), from git: object ids, sizes and the history index. */
final class LiveProperties {
    static final PropertyName CREATIONDATE = PropertyName.dav("creationdate");
    static final PropertyName DISPLAYNAME = PropertyName.dav("displayname");
    static final PropertyName GETCONTENTLENGTH = PropertyName.dav("getcontentlength");
    static final PropertyName GETCONTENTTYPE = PropertyName.dav("getcontenttype");
    static final PropertyName GETETAG = PropertyName.dav("getetag");
    static final PropertyName GETLASTMODIFIED = PropertyName.dav("getlastmodified");
    static final PropertyName RESOURCETYPE = PropertyName.dav("resourcetype");
    static final PropertyName LOCKDISCOVERY = PropertyName.dav("lockdiscovery");
    static final PropertyName SUPPORTEDLOCK = PropertyName.dav("supportedlock");
    /** RFC 4331 §3: on collections, only when asked for by name (never in allprop). */
    static final PropertyName QUOTA_AVAILABLE = PropertyName.dav("quota-available-bytes");
    static final PropertyName QUOTA_USED = PropertyName.dav("quota-used-bytes");

    static final List<PropertyName> ALL = List.of(CREATIONDATE, DISPLAYNAME, GETCONTENTLENGTH, GETCONTENTTYPE, GETETAG,
            GETLASTMODIFIED, RESOURCETYPE, LOCKDISCOVERY, SUPPORTEDLOCK);

    private static final String SUPPORTED_LOCKS = "<D:supportedlock>"
            + "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
            + "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
            + "</D:supportedlock>";

    /**
     * Computed from the repository, so a PROPPATCH cannot set them (§16 cannot-modify-protected-property).
     * displayname, getcontenttype and getlastmodified may be set: they are kept as dead properties and
     * shown instead of the computed value (sync clients keep their own modification times this way).
     */
    static final Set<PropertyName> PROTECTED = Set.of(CREATIONDATE, GETCONTENTLENGTH, GETETAG, RESOURCETYPE,
            PropertyName.dav("lockdiscovery"), PropertyName.dav("supportedlock"), QUOTA_AVAILABLE, QUOTA_USED);

    private LiveProperties() {
    }

    /** Where the computed values of one resource come from: the repository, or the side store. */
    interface Facts {
        long size() throws IOException;

        Timestamps times() throws IOException;

        /** {@code times().modified()}, which can be known long before the creation (see {@link Snapshot#modified}). */
        default Instant modified() throws IOException {
            return times().modified();
        }

        /** The bytes of every file below a folder ({@code oc:size}). */
        default long folderSize(DavExchange x) throws IOException {
            return 0;
        }
    }

    static Facts of(Snapshot s, Entry e) {
        return new Facts() {
            @Override
            public long size() throws IOException {
                return s.size(e);
            }

            @Override
            public Timestamps times() throws IOException {
                return s.times(e);
            }

            @Override
            public Instant modified() throws IOException {
                return s.modified(e);
            }

            @Override
            public long folderSize(DavExchange x) throws IOException {
                return x.clientMetadataStore.folderSize(s, e);
            }
        };
    }

    static Facts of(dev.davit.storage.SideFiles.SideFile f) {
        return new Facts() {
            @Override
            public long size() {
                return f.size();
            }

            @Override
            public Timestamps times() {
                return new Timestamps(f.modified(), f.modified());
            }
        };
    }

    /** The property element with its value, or null when the property is not defined for this entry. */
    static String render(PropertyName name, Entry e, Facts s, DavExchange x) throws IOException {
        if (!Xml.DAV.equals(name.ns())) {
            return OcProperties.render(name, e, s, x);
        }
        switch (name.local()) {
            case "creationdate": {
                Timestamps t = s.times();
                return "<D:creationdate>" + HttpDates.rfc3339(t.created()) + "</D:creationdate>";
            }
            case "displayname":
                return "<D:displayname>" + Xml.text(e.path().isRoot() ? x.target.repo() : e.name()) + "</D:displayname>";
            case "getcontentlength":
                return e.isFolder() ? null : "<D:getcontentlength>" + s.size() + "</D:getcontentlength>";
            case "getcontenttype":
                return e.isFolder() ? null : "<D:getcontenttype>" + Xml.text(MediaTypes.of(e.name())) + "</D:getcontenttype>";
            case "getetag":
                return "<D:getetag>" + ETags.of(e) + "</D:getetag>"; // hex in quotes: nothing to escape
            case "getlastmodified": {
                return "<D:getlastmodified>" + HttpDates.imf(modified(e, s, x)) + "</D:getlastmodified>";
            }
            case "lockdiscovery": {
                List<Lock> locks = x.locking.covering(x, e.path());
                if (locks.isEmpty()) {
                    return "<D:lockdiscovery/>";
                }
                StringBuilder sb = new StringBuilder("<D:lockdiscovery>");
                Instant now = Instant.now();
                for (Lock l : locks) {
                    sb.append(Locking.activeLock(x, l, now, !l.root().equals(e.path().toString()) || e.isFolder()));
                }
                return sb.append("</D:lockdiscovery>").toString();
            }
            case "supportedlock":
                return SUPPORTED_LOCKS;
            case "quota-used-bytes":
                return e.isFolder() ? "<D:quota-used-bytes>" + x.quotaFigures()[0] + "</D:quota-used-bytes>" : null;
            case "quota-available-bytes":
                return e.isFolder() ? "<D:quota-available-bytes>" + x.quotaFigures()[1] + "</D:quota-available-bytes>" : null;
            case "resourcetype":
                return e.isFolder() ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>";
            default:
                return null;
        }
    }

    /**
     * A sync client's own time for this content ({@code X-OC-Mtime}, kept beside the repository), else the
     * last commit that changed the path.
     */
    static Instant modified(Entry e, Facts s, DavExchange x) throws IOException {
        if (!e.isFolder()) {
            Instant client = x.clientMetadata().clientTime(e.path(), e.id());
            if (client != null) {
                return client;
            }
        }
        return s.modified();
    }

    /** An empty element for a property name, for propname answers and failure lists. */
    static String emptyElement(PropertyName n) {
        if (Xml.DAV.equals(n.ns())) {
            return "<D:" + n.local() + "/>";
        }
        if (n.ns().isEmpty()) {
            return "<" + n.local() + " xmlns=\"\"/>";
        }
        return "<X:" + n.local() + " xmlns:X=\"" + Xml.attr(n.ns()) + "\"/>";
    }
}
