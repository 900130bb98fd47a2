package dev.davit.auth;

/**
 * What authentication decided for one request; each front end's filter turns it into a status.
 *
 * @param principal         the user, for {@link Outcome#AUTHENTICATED} only
 * @param retryAfterSeconds for {@link Outcome#LIMITED} (429) and {@link Outcome#BUSY} (503): when to come back
 */
public record AuthResult(Outcome outcome, Principal principal, long retryAfterSeconds) {
    public enum Outcome {
        /** Valid credentials. */
        AUTHENTICATED,
        /** No {@code Authorization} header. */
        NONE,
        /** Wrong, malformed or unknown credentials: 401. */
        REJECTED,
        /** Too many failures from this address or for this name: 429 with Retry-After, nothing checked. */
        LIMITED,
        /** Too many password checks running or waiting: 503 with Retry-After, nothing checked. */
        BUSY
    }

    static final AuthResult NONE = new AuthResult(Outcome.NONE, null, 0);
    static final AuthResult REJECTED = new AuthResult(Outcome.REJECTED, null, 0);

    static AuthResult authenticated(Principal p) {
        return new AuthResult(Outcome.AUTHENTICATED, p, 0);
    }
}
