package dev.davit.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted PBKDF2 password hashes from the JDK ({@code PBKDF2WithHmacSHA256}), stored as
 * {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>}. The iteration count follows OWASP's
 * 2023 advice for this function; {@link UserStore} caches successful checks so Basic auth, which sends
 * the password on every request, does not pay it on each one.
 */
public final class PasswordHash {
    public static final String PREFIX = "pbkdf2-sha256$";
    static final int ITERATIONS = 600_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    private PasswordHash() {
    }

    /** True when a configured password is a hash rather than plain text. */
    public static boolean isHash(String stored) {
        return stored.startsWith(PREFIX);
    }

    /** A new hash of {@code password} with a fresh random salt. */
    public static String hash(String password) {
        return hash(password, ITERATIONS);
    }

    /** A hash with another iteration count (tests; the dummy that unknown users are checked against). */
    static String hash(String password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return PREFIX + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, iterations));
    }

    /** The iteration count of a stored hash, or -1 when it is not a well-formed one. */
    static int iterations(String stored) {
        if (!isHash(stored)) {
            return -1;
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\$");
        try {
            return parts.length == 3 ? Integer.parseInt(parts[0]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Checks {@code password} against a stored hash in constant time; a malformed hash never matches. */
    public static boolean matches(String password, String stored) {
        String[] parts = stored.substring(PREFIX.length()).split("\\$");
        if (parts.length != 3) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[0]);
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] expected = Base64.getDecoder().decode(parts[2]);
            if (iterations < 1 || expected.length == 0) {
                return false;
            }
            return MessageDigest.isEqual(derive(password, salt, iterations), expected);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }

    /** For the verification cache: a digest of the credentials, so no password is kept in memory. */
    static String credentialKey(String user, byte[] password) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(user.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(password);
            return Base64.getEncoder().encodeToString(d.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
