package dev.davit.dav;

/**
 * The WebDAV front end's settings.
 *
 * @param staleStatus     409 or 412 for a failed version precondition (DESIGN.md's conflict contract)
 * @param maxXmlBodyBytes largest PROPFIND/PROPPATCH body accepted (413 beyond)
 */
public record DavSettings(int staleStatus, long maxXmlBodyBytes) {
}
