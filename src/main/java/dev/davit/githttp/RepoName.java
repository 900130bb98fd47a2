package dev.davit.githttp;

import dev.davit.storage.Repositories;

/** The {@code {owner}/{repo}} a smart-HTTP path names ({@code /owner/repo.git/info/refs}, {@code .git} optional). */
record RepoName(String owner, String name) {
    /** Null when the path names no valid repository. */
    static RepoName parse(String pathInfo) {
        if (pathInfo == null || !pathInfo.startsWith("/")) {
            return null;
        }
        String[] parts = pathInfo.substring(1).split("/", 3);
        if (parts.length < 2) {
            return null;
        }
        String repo = parts[1].endsWith(".git") ? parts[1].substring(0, parts[1].length() - 4) : parts[1];
        if (!Repositories.isValidName(parts[0]) || !Repositories.isValidName(repo)) {
            return null;
        }
        return new RepoName(parts[0], repo);
    }
}
