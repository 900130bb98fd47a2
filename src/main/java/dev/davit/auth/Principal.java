package dev.davit.auth;

/**
 * An authenticated user. {@code readOnly}: authenticated with a read-only access token, so it may read
 * whatever the user may, and write nothing.
 */
public record Principal(String name, String email, boolean readOnly) {
    /** Request attribute under which the front-end filter leaves the authenticated principal. */
    public static final String REQUEST_ATTRIBUTE = "dev.davit.auth.Principal";
    /** The name of requests without credentials, where {@code anonymous.access} allows them; no user may take it. */
    public static final String ANONYMOUS = "anonymous";

    public Principal(String name, String email) {
        this(name, email, false);
    }

    public boolean isAnonymous() {
        return ANONYMOUS.equals(name);
    }
}
