package dev.davit.dav;

/**
 * Methods milton knows but Davit does not offer: POST, REPORT, ACL and the rest have no meaning here. 405 with {@code Allow}, never milton's 501 or a stray handler.
 */
final class NotAllowedHandler extends DavMethod {
    NotAllowedHandler() {
        super("POST", "REPORT", "ACL", "TRACE", "CONNECT", "MKCALENDAR", "CANCELUPLOAD");
    }

    @Override
    void handle(DavExchange x) {
        throw new DavProblem(405, "method-not-allowed", x.request.getMethod() + " is not supported here");
    }
}
