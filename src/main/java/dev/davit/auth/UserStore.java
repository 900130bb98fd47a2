package dev.davit.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Users and their rights, and the two questions every front end asks: who is this (HTTP Basic
 * credentials) and may they read or write this repository. Knows nothing of HTTP beyond the
 * {@code Authorization} header's value. Thread-safe (immutable).
 */
public final class UserStore {
    private static final int MAX_CACHED = 10_000;
    private static final long CACHE_MILLIS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);

    private final Map<String, UserAccount> users;
    /** Token id → its account and token. */
    private final Map<String, Map.Entry<UserAccount, UserAccount.Token>> tokens;
    private final Map<String, Long> verified = new java.util.concurrent.ConcurrentHashMap<>();

    private final List<UserAccount.Grant> anonymousGrants;
    private final FailedLoginLimiter limiter;
    private final PasswordChecks checks;
    private final Clock clock;
    /**
     * What an unknown user name is checked against: a hash with the configured iteration count, so a 401
     * for an unknown name costs what one for a known name costs (no timing oracle for user names). Null
     * when no configured password is a hash (plain text compares in no time for anyone).
     */
    private final String dummyHash;

    public UserStore(List<UserAccount> accounts) {
        this(accounts, List.of());
    }

    /** @param anonymousGrants read-only grants for requests without credentials (empty: none) */
    public UserStore(List<UserAccount> accounts, List<UserAccount.Grant> anonymousGrants) {
        this(accounts, anonymousGrants, new FailedLoginLimiter(FailedLoginLimiter.Settings.DEFAULT, Clock.systemUTC()),
                new PasswordChecks(1, 32), Clock.systemUTC());
    }

    /**
     * @param limiter failed checks per client address and user name (every credential check reports there)
     * @param checks  bounded concurrency for password hash checks
     * @param clock   for the cache of good credentials
     */
    public UserStore(List<UserAccount> accounts, List<UserAccount.Grant> anonymousGrants, FailedLoginLimiter limiter,
                     PasswordChecks checks, Clock clock) {
        this.users = accounts.stream().collect(Collectors.toUnmodifiableMap(UserAccount::name, Function.identity()));
        Map<String, Map.Entry<UserAccount, UserAccount.Token>> t = new java.util.HashMap<>();
        for (UserAccount a : accounts) {
            for (UserAccount.Token token : a.tokens()) {
                if (t.put(token.id(), Map.entry(a, token)) != null) {
                    throw new IllegalArgumentException("two tokens with the id " + token.id());
                }
            }
        }
        this.tokens = Map.copyOf(t);
        this.anonymousGrants = anonymousGrants.stream().map(g -> new UserAccount.Grant(g.pattern(), Access.READ)).toList();
        this.limiter = limiter;
        this.checks = checks;
        this.clock = clock;
        int iterations = accounts.stream().mapToInt(a -> PasswordHash.iterations(a.password())).max().orElse(-1);
        this.dummyHash = iterations > 0 ? PasswordHash.hash(java.util.UUID.randomUUID().toString(), iterations) : null;
    }

    /** The principal of requests without credentials, when anonymous reading is configured at all. */
    public Optional<Principal> anonymous() {
        return anonymousGrants.isEmpty() ? Optional.empty() : Optional.of(new Principal(Principal.ANONYMOUS, ""));
    }

    /** {@link #authenticate(String, String)} without a client address (only the user name is limited). */
    public Optional<Principal> authenticate(String authorization) {
        return Optional.ofNullable(authenticate(authorization, null).principal());
    }

    /**
     * Checks an {@code Authorization} header value from {@code client} (its address; null: unknown).
     * Unknown schemes, malformed values and wrong passwords are {@code REJECTED}, never an exception
     * (milton's own parser answered 500 to unknown schemes). Order matters (issue 14): credentials already
     * verified are accepted first, so users with a good session never wait behind guessers; then the
     * failure limit (429 without any check); then a bounded turn for the password check (503 when none).
     */
    public AuthResult authenticate(String authorization, String client) {
        if (authorization == null) {
            return AuthResult.NONE;
        }
        String token = AccessTokens.fromAuthorization(authorization);
        if (token != null) {
            return authenticateToken(token, client, null);
        }
        String[] basic = basic(authorization);
        if (basic == null) {
            return AuthResult.REJECTED;
        }
        String name = basic[0];
        String password = basic[1];
        if (AccessTokens.idOf(password) != null) {
            // git and other Basic-only clients send a token as the password (as GitHub accepts): the user's own.
            return authenticateToken(password, client, name);
        }
        UserAccount account = users.get(name);
        String key = PasswordHash.credentialKey(name, password.getBytes(StandardCharsets.UTF_8));
        if (account != null && isCached(key)) {
            return AuthResult.authenticated(new Principal(account.name(), account.email()));
        }
        boolean expensive = account == null ? dummyHash != null : PasswordHash.isHash(account.password());
        return guarded(client, name, () -> passwordMatches(account, password), expensive)
                .map(ok -> {
                    if (ok) {
                        remember(key); // plain text too: a user with a good session never meets the limit
                        return AuthResult.authenticated(new Principal(account.name(), account.email()));
                    }
                    return AuthResult.REJECTED;
                })
                .orElseGet(() -> refusal(client, name));
    }

    /** The user name and password of a Basic {@code Authorization} header, or null when it is not one. */
    private static String[] basic(String authorization) {
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        // RFC 7617 §2.1 lets the server announce charset="UTF-8"; clients that ignore it send Latin-1.
        String decoded = new String(raw, StandardCharsets.UTF_8);
        if (decoded.contains("\uFFFD")) {
            decoded = new String(raw, StandardCharsets.ISO_8859_1);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    /**
     * The user of Basic credentials (a password, not a token) whose check succeeded within the last minutes:
     * what {@link #authenticate} answers for them, without its side effects. Empty for anything else (no
     * check is run, no failure counted): the caller then authenticates the request in full.
     */
    public Optional<Principal> recentlyVerified(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String[] basic = basic(authorization);
        if (basic == null || AccessTokens.idOf(basic[1]) != null) {
            return Optional.empty();
        }
        UserAccount account = users.get(basic[0]);
        if (account == null || !isCached(PasswordHash.credentialKey(basic[0], basic[1].getBytes(StandardCharsets.UTF_8)))) {
            return Optional.empty();
        }
        return Optional.of(new Principal(account.name(), account.email()));
    }

    /**
     * A personal access token (issue 13): found by its id, checked against its hash, under the same failure
     * limit and bounded turns as a password (its hash is PBKDF2 too), and remembered like one.
     *
     * @param requiredName the user it must belong to (a token sent as a Basic password), or null
     */
    private AuthResult authenticateToken(String token, String client, String requiredName) {
        String id = AccessTokens.idOf(token);
        Map.Entry<UserAccount, UserAccount.Token> e = id == null ? null : tokens.get(id);
        boolean owned = e != null && (requiredName == null || e.getKey().name().equals(requiredName));
        String key = PasswordHash.credentialKey("token " + id, token.getBytes(StandardCharsets.UTF_8));
        if (owned && isCached(key)) {
            return AuthResult.authenticated(principal(e));
        }
        String limited = requiredName != null ? requiredName : e == null ? null : e.getKey().name();
        boolean expensive = owned && PasswordHash.isHash(e.getValue().hash());
        return guarded(client, limited, () -> owned && PasswordHash.isHash(e.getValue().hash())
                        && PasswordHash.matches(token, e.getValue().hash()), expensive)
                .map(ok -> {
                    if (ok) {
                        remember(key);
                        return AuthResult.authenticated(principal(e));
                    }
                    return AuthResult.REJECTED;
                })
                .orElseGet(() -> refusal(client, limited));
    }

    private static Principal principal(Map.Entry<UserAccount, UserAccount.Token> e) {
        return new Principal(e.getKey().name(), e.getKey().email(), e.getValue().readOnly());
    }

    /**
     * Runs one credential check under the failure limit (and, when {@code expensive}, a bounded turn):
     * empty when it was not run (see {@link #refusal}), else whether it passed, counted either way. Any
     * scheme's check goes through here so all share the same limit (a token check too: cheap, so
     * {@code expensive} false, but its failures count against the address like a wrong password's).
     */
    Optional<Boolean> guarded(String client, String name, java.util.function.BooleanSupplier check, boolean expensive) {
        if (!limiter.waitFor(client, name).isZero()) {
            return Optional.empty();
        }
        boolean ok;
        if (expensive) {
            Optional<PasswordChecks.Turn> turn = checks.enter();
            if (turn.isEmpty()) {
                return Optional.empty();
            }
            try (PasswordChecks.Turn t = turn.get()) {
                // Failures counted while this one waited for its turn may have started a wait.
                if (!limiter.waitFor(client, name).isZero()) {
                    return Optional.empty();
                }
                ok = t.run(check);
            }
        } else {
            ok = check.getAsBoolean();
        }
        if (ok) {
            limiter.succeeded(name);
        } else {
            limiter.failed(client, name);
        }
        return Optional.of(ok);
    }

    /** Why a check was not run: the failure limit (429) when it applies, else no turn was free (503). */
    private AuthResult refusal(String client, String name) {
        java.time.Duration wait = limiter.waitFor(client, name);
        if (!wait.isZero()) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            return new AuthResult(AuthResult.Outcome.LIMITED, null, seconds);
        }
        return new AuthResult(AuthResult.Outcome.BUSY, null, 1);
    }

    private boolean isCached(String key) {
        Long until = verified.get(key);
        return until != null && until - clock.millis() > 0;
    }

    private void remember(String key) {
        // Basic auth sends the password with every request; PBKDF2 is slow on purpose. Remember a
        // successful check for a while, keyed by a digest of the credentials (never the password).
        if (verified.size() >= MAX_CACHED) {
            verified.clear();
        }
        verified.put(key, clock.millis() + CACHE_MILLIS);
    }

    private boolean passwordMatches(UserAccount account, String password) {
        if (account == null) {
            // An unknown name costs one hash check like a known one (dummyHash never matches).
            if (dummyHash != null) {
                PasswordHash.matches(password, dummyHash);
            }
            return false;
        }
        if (!PasswordHash.isHash(account.password())) {
            return MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), account.password().getBytes(StandardCharsets.UTF_8));
        }
        return PasswordHash.matches(password, account.password());
    }

    /** True when {@code principal} has {@code access} to {@code owner/repo}. */
    public boolean allows(Principal principal, String owner, String repo, Access access) {
        if (principal == null) {
            return false;
        }
        List<UserAccount.Grant> grants;
        if (principal.readOnly() && access == Access.WRITE) {
            return false; // a read-only token
        }
        if (principal.isAnonymous()) {
            grants = anonymousGrants; // read only, whatever was configured
        } else {
            UserAccount account = users.get(principal.name());
            if (account == null) {
                return false;
            }
            grants = account.grants();
        }
        for (UserAccount.Grant g : grants) {
            if (g.matches(owner, repo) && (access == Access.READ || g.access() == Access.WRITE)) {
                return true;
            }
        }
        return false;
    }
}
