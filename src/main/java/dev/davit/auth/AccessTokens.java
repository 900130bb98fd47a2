package dev.davit.auth;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Personal access tokens, as GitHub clients send them: {@code Authorization: token X} or
 * {@code Bearer X} (RFC 6750). A token is {@code davit_<id>_<secret>}: the id (8 hex digits) says which
 * configured token to check, so a request costs one hash check, not one per token; the secret is 192
 * random bits. Only a {@link PasswordHash} of the whole token is stored ({@code user.NAME.token.ID}).
 */
public final class AccessTokens {
    public static final String PREFIX = "davit_";
    private static final Pattern SHAPE = Pattern.compile("davit_([0-9a-f]{8})_([0-9a-f]{48})");
    /** The length of every token {@link #SHAPE} matches. */
    private static final int TOKEN_LENGTH = PREFIX.length() + 8 + 1 + 48;

    private AccessTokens() {
    }

    /** A new token and what the config keeps of it. */
    public record Issued(String token, String id, String hash) {
        /** The config lines for {@code user}: the hash, and the read-only flag when asked for. */
        public String configLines(String user, boolean readOnly) {
            String key = "user." + user + ".token." + id;
            return key + "=" + hash + (readOnly ? "\n" + key + ".readonly=true" : "");
        }
    }

    public static Issued issue(SecureRandom random) {
        byte[] id = new byte[4];
        byte[] secret = new byte[24];
        random.nextBytes(id);
        random.nextBytes(secret);
        String idHex = HexFormat.of().formatHex(id);
        String token = PREFIX + idHex + "_" + HexFormat.of().formatHex(secret);
        return new Issued(token, idHex, PasswordHash.hash(token));
    }

    /** The id of a token of Davit's shape, or null. */
    static String idOf(String token) {
        // Asked of every Basic password of every request: most are not tokens, told apart without the pattern.
        if (token.length() != TOKEN_LENGTH || !token.startsWith(PREFIX)) {
            return null;
        }
        Matcher m = SHAPE.matcher(token);
        return m.matches() ? m.group(1) : null;
    }

    /**
     * The token in an {@code Authorization} value with the scheme {@code token} (GitHub's, Octokit's)
     * or {@code Bearer} (RFC 6750, gh and most libraries), schemes case-insensitive (RFC 9110 §11.1); else null.
     */
    static String fromAuthorization(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.trim();
        for (String scheme : new String[] {"token ", "bearer "}) {
            if (a.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return a.substring(scheme.length()).trim();
            }
        }
        return null;
    }
}
