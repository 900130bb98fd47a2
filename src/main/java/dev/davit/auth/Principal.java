package dev.davit.auth;

/** An authenticated user. */
public record Principal(String name, String email) {
    /** Request attribute under which the front-end filter leaves the authenticated principal. */
    public static final String REQUEST_ATTRIBUTE = "dev.davit.auth.Principal";
}
