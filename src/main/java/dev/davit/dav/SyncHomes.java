package dev.davit.dav;

import java.util.Map;

/**
 * Which repository a user's files are for the Nextcloud/ownCloud sync clients: {@code user.NAME.home=owner/repo},
 * or {@code NAME/files} when unset (made empty on first use, when the user may write it). A client of
 * those protocols knows only a user, never a repository, so the mapping lives on the server.
 */
public final class SyncHomes {
    /** The repository name of a user's default home. */
    public static final String DEFAULT_REPOSITORY = "files";

    private final Map<String, String> configured;

    /** @param configured user name to {@code owner/repo} */
    public SyncHomes(Map<String, String> configured) {
        this.configured = Map.copyOf(configured);
    }

    /** {owner, repo} of the user's home. */
    String[] of(String user) {
        String home = configured.get(user);
        if (home == null) {
            return new String[] {user, DEFAULT_REPOSITORY};
        }
        int slash = home.indexOf('/');
        return new String[] {home.substring(0, slash), home.substring(slash + 1)};
    }
}
