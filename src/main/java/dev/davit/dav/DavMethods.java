package dev.davit.dav;

import java.util.Set;

/** The methods this server implements (WebDAV classes 1 and 2, RFC 4918 §18). */
final class DavMethods {
    static final String ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK";
    static final Set<String> IMPLEMENTED = Set.of("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
            "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK");
    /** Methods that change the repository and so need write access. */
    static final Set<String> WRITES = Set.of("PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK", "POST");

    private DavMethods() {
    }
}
