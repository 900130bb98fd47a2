package dev.davit.dav;

import java.io.IOException;

import dev.davit.storage.Entry;

/**
 * The ownCloud/Nextcloud properties ({@code http://owncloud.org/ns}) the desktop and mobile clients ask
 * for in every PROPFIND: without {@code oc:id} and {@code oc:permissions} nextcloudcmd refuses each item
 * ("Server reported no permission, file id"). Shown when asked for by name, on every mount.
 */
final class OcProperties {
    static final String NS = "http://owncloud.org/ns";

    private OcProperties() {
    }

    /** The element with its value, or null when the property is not one of these. */
    static String render(PropertyName name, Entry e, LiveProperties.Facts s, DavExchange x) throws IOException {
        if (!NS.equals(name.ns())) {
            return null;
        }
        return switch (name.local()) {
            case "id" -> element("id", x.clientMetadata().ocId(e.path()));
            case "fileid" -> element("fileid", Long.toString(x.clientMetadata().fileId(e.path())));
            case "permissions" -> element("permissions", permissions(e, x));
            case "size" -> element("size", Long.toString(e.isFolder() ? s.folderSize(x) : s.size()));
            default -> null;
        };
    }

    /**
     * Nextcloud's letters: D delete, N rename, V move, W write (files), C add files, K add folders
     * (folders); G is "readable" (Nextcloud 25+; older clients ignore letters they do not know). No R
     * (re-share), S (shared) or M (mounted): Davit has no sharing.
     */
    static String permissions(Entry e, DavExchange x) {
        if (!x.writable) {
            return "G";
        }
        if (e.path().isRoot()) {
            return "GCK";
        }
        return e.isFolder() ? "GDNVCK" : "GDNVW";
    }

    private static String element(String local, String value) {
        return "<oc:" + local + " xmlns:oc=\"" + NS + "\">" + Xml.text(value) + "</oc:" + local + ">";
    }
}
