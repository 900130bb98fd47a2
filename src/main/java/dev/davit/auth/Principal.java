package dev.davit.auth;

/** An authenticated user. */
public record Principal(String name, String email) {
    /** Request attribute under which the front-end filter leaves the authenticated principal. */
    public static final String REQUEST_ATTRIBUTE = "dev.davit.auth.Principal";
    /** The name of requests without credentials, where {@code anonymous.access} allows them; no user may take it. */
    public static final String ANONYMOUS = "anonymous";

    public boolean isAnonymous() {
        return ANONYMOUS.equals(name);
    }
}
