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

    /**
     * How long a refusal (429 or 503) is held before it is answered: until the client may come back
     * ({@code retryAfterSeconds}), at most {@code max}; zero for any other outcome. Guessers that ignore
     * {@code Retry-After} send their next guess as soon as the answer arrives, so an answer at once let 200
     * connections fetch thousands of refusals a second, each a request the server parsed and answered on
     * the cores its users need (issue 14, measured by bench/auth_attack.py). Held, a refusal costs a timer
     * and an open connection, not a thread (the filter holds it with servlet async).
     */
    public java.time.Duration holdFor(java.time.Duration max) {
        if (outcome != Outcome.LIMITED && outcome != Outcome.BUSY) {
            return java.time.Duration.ZERO;
        }
        java.time.Duration wait = java.time.Duration.ofSeconds(retryAfterSeconds);
        return wait.compareTo(max) < 0 ? wait : max;
    }

    /** The {@code Retry-After} of a refusal answered after {@code held}: the wait left then, at least 1 s. */
    public long retryAfterAfter(java.time.Duration held) {
        return Math.max(1, retryAfterSeconds - held.toSeconds());
    }

    static final AuthResult NONE = new AuthResult(Outcome.NONE, null, 0);
    static final AuthResult REJECTED = new AuthResult(Outcome.REJECTED, null, 0);

    static AuthResult authenticated(Principal p) {
        return new AuthResult(Outcome.AUTHENTICATED, p, 0);
    }
}
