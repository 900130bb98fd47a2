package dev.davit.dav;

/** OPTIONS: the compliance classes (RFC 4918 §10.1, §18) and the methods (RFC 9110 §9.3.7). */
final class OptionsHandler extends DavMethod {
    OptionsHandler() {
        super("OPTIONS");
    }

    @Override
    void handle(DavExchange x) {
        answer(x.response);
    }

    static void answer(jakarta.servlet.http.HttpServletResponse resp) {
        resp.setStatus(200);
        // Class 2 only because LOCK and UNLOCK really work: Finder and Windows mount read-only without it.
        resp.setHeader("DAV", "1, 2");
        resp.setHeader("Allow", DavMethods.ALLOW);
        // Windows' WebDAV redirector and Office look for this before they write.
        resp.setHeader("MS-Author-Via", "DAV");
        resp.setContentLength(0);
    }
}
