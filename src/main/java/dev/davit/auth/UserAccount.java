package dev.davit.auth;

import java.util.List;

/**
 * A configured user. {@code grants} are {@code owner/repo}, {@code owner/*} or {@code *}, each with
 * read or read-write access; {@code tokens} are its personal access tokens (same rights, or read-only).
 */
public record UserAccount(String name, String password, String email, List<Grant> grants, List<Token> tokens) {
    public UserAccount(String name, String password, String email, List<Grant> grants) {
        this(name, password, email, grants, List.of());
    }

    /** A personal access token ({@link AccessTokens}): its id, the hash of the whole token, read-only or not. */
    public record Token(String id, String hash, boolean readOnly) {
    }

    public record Grant(String pattern, Access access) {
        boolean matches(String owner, String repo) {
            return pattern.equals("*") || pattern.equals(owner + "/*") || pattern.equals(owner + "/" + repo);
        }
    }
}
