package dev.davit.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
    private static final long CACHE_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    private final Map<String, UserAccount> users;
    /** Token id → its account and token. */
    private final Map<String, Map.Entry<UserAccount, UserAccount.Token>> tokens;
    private final Map<String, Long> verified = new java.util.concurrent.ConcurrentHashMap<>();

    private final List<UserAccount.Grant> anonymousGrants;

    public UserStore(List<UserAccount> accounts) {
        this(accounts, List.of());
    }

    /** @param anonymousGrants read-only grants for requests without credentials (empty: none) */
    public UserStore(List<UserAccount> accounts, List<UserAccount.Grant> anonymousGrants) {
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
    }

    /** The principal of requests without credentials, when anonymous reading is configured at all. */
    public Optional<Principal> anonymous() {
        return anonymousGrants.isEmpty() ? Optional.empty() : Optional.of(new Principal(Principal.ANONYMOUS, ""));
    }

    /**
     * Checks an {@code Authorization} header value. Unknown schemes, malformed values and wrong
     * passwords all give empty (never an exception: milton's own parser answers 500 to unknown schemes).
     */
    public Optional<Principal> authenticate(String authorization) {
        String token = AccessTokens.fromAuthorization(authorization);
        if (token != null) {
            return authenticateToken(token);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        // RFC 7617 §2.1 lets the server announce charset="UTF-8"; clients that ignore it send Latin-1.
        String decoded = new String(raw, StandardCharsets.UTF_8);
        if (decoded.contains("\uFFFD")) {
            decoded = new String(raw, StandardCharsets.ISO_8859_1);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        UserAccount account = users.get(decoded.substring(0, colon));
        if (account == null) {
            return Optional.empty();
        }
        String password = decoded.substring(colon + 1);
        if (AccessTokens.idOf(password) != null) {
            // git and other Basic-only clients send a token as the password (as GitHub accepts): the user's own.
            return authenticateToken(password).filter(p -> p.name().equals(account.name()));
        }
        if (!passwordMatches(account, password)) {
            return Optional.empty();
        }
        return Optional.of(new Principal(account.name(), account.email()));
    }

    /** A personal access token: found by its id, checked against its hash (remembered like a password). */
    private Optional<Principal> authenticateToken(String token) {
        String id = AccessTokens.idOf(token);
        Map.Entry<UserAccount, UserAccount.Token> e = id == null ? null : tokens.get(id);
        if (e == null || !verified("token " + id, token, e.getValue().hash())) {
            return Optional.empty();
        }
        UserAccount a = e.getKey();
        return Optional.of(new Principal(a.name(), a.email(), e.getValue().readOnly()));
    }

    private boolean passwordMatches(UserAccount account, String password) {
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        if (!PasswordHash.isHash(account.password())) {
            return MessageDigest.isEqual(given, account.password().getBytes(StandardCharsets.UTF_8));
        }
        return verified(account.name(), password, account.password());
    }

    /**
     * Basic auth sends the password (and a client its token) with every request; PBKDF2 is slow on purpose.
     * A successful check is remembered for a while, keyed by a digest of the credentials (never the secret).
     */
    private boolean verified(String who, String secret, String hash) {
        String key = PasswordHash.credentialKey(who, secret.getBytes(StandardCharsets.UTF_8));
        Long until = verified.get(key);
        long now = System.nanoTime();
        if (until != null && until - now > 0) {
            return true;
        }
        if (!PasswordHash.isHash(hash) || !PasswordHash.matches(secret, hash)) {
            return false;
        }
        if (verified.size() >= MAX_CACHED) {
            verified.clear();
        }
        verified.put(key, now + CACHE_NANOS);
        return true;
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
