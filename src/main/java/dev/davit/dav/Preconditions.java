package dev.davit.dav;

import dev.davit.storage.Entry;
import dev.davit.storage.RepoPath;
import dev.davit.storage.StaleException;

/**
 * {@code If-Match} and {@code If-None-Match} on writes (RFC 9110 §13.1.1, §13.1.2), evaluated against
 * the resource as it is inside the write, so the check and the commit see the same head. Entity tags
 * compare strongly; a weak tag never matches a write precondition.
 */
final class Preconditions {
    private Preconditions() {
    }

    /**
     * @param current the resource as it is now, or null when it does not exist
     * @throws StaleException when a precondition fails: the client's version is not the current one
     */
    static void checkWrite(DavExchange x, RepoPath path, Entry current) throws StaleException {
        checkWrite(x, path, current, false);
    }

    /**
     * @param lockCreatedEmpty the resource is the empty file a LOCK of an unmapped URL made for this
     *                         client, which {@code If-None-Match: *} treats as not there yet (davfs2)
     */
    static void checkWrite(DavExchange x, RepoPath path, Entry current, boolean lockCreatedEmpty) throws StaleException {
        String ifMatch = x.header("If-Match");
        if (ifMatch != null) {
            if (current == null) {
                throw new StaleException(path, null, ifMatch.trim(),
                        path + " does not exist any more (If-Match: " + ifMatch.trim() + "); fetch the folder, merge, retry");
            }
            if (!matches(ifMatch, ETags.of(current))) {
                throw new StaleException(path, current.id(), ifMatch.trim(),
                        path + " changed since " + ifMatch.trim() + "; fetch it, merge, retry with If-Match: " + ETags.of(current));
            }
        }
        String ifNoneMatch = x.header("If-None-Match");
        if (ifNoneMatch != null && current != null && !lockCreatedEmpty && matches(ifNoneMatch, ETags.of(current))) {
            throw new StaleException(path, current.id(), ifNoneMatch.trim(),
                    path + " already exists (If-None-Match: " + ifNoneMatch.trim() + "); fetch it, merge, retry with If-Match: "
                            + ETags.of(current));
        }
    }

    /** True when the header's list is {@code *} or holds {@code etag} (strong comparison). */
    static boolean matches(String header, String etag) {
        if (etag == null) {
            return false;
        }
        for (String t : header.split(",")) {
            t = t.trim();
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** Weak comparison for GET's If-None-Match (RFC 9110 §13.1.2). */
    static boolean matchesWeak(String header, String etag) {
        for (String t : header.split(",")) {
            t = t.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
