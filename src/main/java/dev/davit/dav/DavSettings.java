package dev.davit.dav;

import java.util.List;

/**
 * The WebDAV front end's settings.
 *
 * @param staleStatus     409 or 412 for a failed version precondition (DESIGN.md's conflict contract)
 * @param maxXmlBodyBytes largest PROPFIND/PROPPATCH/LOCK body accepted (413 beyond)
 * @param lockStatus      409 or 423 for a write that collides with someone's lock
 * @param maxLockSeconds  longest lock timeout granted (Infinite and longer requests are cut to it)
 * @param junkPatterns    names kept aside instead of committed (see {@link JunkNames})
 * @param maxBodyBytes    largest PUT body (413 beyond); 0 = no limit
 * @param maxPropfindEntries most entries one PROPFIND Depth: infinity lists (403 propfind-finite-depth beyond)
 * @param maxLocksPerUser most active locks one user holds (507 beyond)
 */
public record DavSettings(int staleStatus, long maxXmlBodyBytes, int lockStatus, long maxLockSeconds, List<String> junkPatterns,
                          long maxBodyBytes, int maxPropfindEntries, int maxLocksPerUser) {

    /** The same settings with another answer for a stale version (the sync-client mount uses 412). */
    public DavSettings withStaleStatus(int status) {
        return new DavSettings(status, maxXmlBodyBytes, lockStatus, maxLockSeconds, junkPatterns, maxBodyBytes,
                maxPropfindEntries, maxLocksPerUser);
    }
}
