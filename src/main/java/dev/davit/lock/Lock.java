package dev.davit.lock;

import java.time.Instant;

/**
 * A WebDAV write lock (RFC 4918 §6, §7), protocol-neutral: the front end that took it and the ones
 * that honour it (WebDAV, REST, git) all see the same record.
 *
 * @param repository   {@code owner/repo}
 * @param root         the locked path inside the repository ({@code a/b}, the empty string for the root)
 * @param infinite     Depth: infinity (the lock covers everything below {@code root}) or Depth: 0
 * @param principal    the user who took the lock; only they can use its token
 * @param ownerXml     the client's {@code DAV:owner} content, kept verbatim (may be empty)
 * @param expires      when the lock ends unless refreshed
 * @param createdEmpty the LOCK made an empty resource at an unmapped URL (RFC 4918 §7.3); davfs2 then
 *                     PUTs with {@code If-None-Match: *}, which must still store the file
 */
public record Lock(String token, String repository, String root, Scope scope, boolean infinite, String principal,
                   String ownerXml, long timeoutSeconds, Instant expires, boolean createdEmpty) {

    public enum Scope { EXCLUSIVE, SHARED }

    /** True when this lock applies to {@code path}: its root, or below its root for a depth-infinity lock. */
    public boolean covers(String path) {
        return root.equals(path) || infinite && isBelow(path, root);
    }

    /** True when {@code path} lies strictly below {@code folder}. */
    public static boolean isBelow(String path, String folder) {
        return folder.isEmpty() ? !path.isEmpty() : path.startsWith(folder + "/");
    }

    public Lock withExpiry(long seconds, Instant newExpiry) {
        return new Lock(token, repository, root, scope, infinite, principal, ownerXml, seconds, newExpiry, createdEmpty);
    }
}
