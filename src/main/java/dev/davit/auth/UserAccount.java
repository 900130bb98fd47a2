package dev.davit.auth;

import java.util.List;

/**
 * A configured user. {@code grants} are {@code owner/repo}, {@code owner/*} or {@code *}, each with
 * read or read-write access.
 */
public record UserAccount(String name, String password, String email, List<Grant> grants) {
    public record Grant(String pattern, Access access) {
        boolean matches(String owner, String repo) {
            return pattern.equals("*") || pattern.equals(owner + "/*") || pattern.equals(owner + "/" + repo);
        }
    }
}
