package dev.davit.dav;

import java.util.Set;

/** The methods this server implements (WebDAV class 1, RFC 4918 §18.1). */
final class DavMethods {
    static final String ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH";
    static final Set<String> IMPLEMENTED = Set.of("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
            "PROPFIND", "PROPPATCH");
    /** Methods that change the repository and so need write access. */
    static final Set<String> WRITES = Set.of("PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK", "POST");

    private DavMethods() {
    }
}
