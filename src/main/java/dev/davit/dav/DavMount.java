package dev.davit.dav;

import dev.davit.auth.Principal;
import dev.davit.storage.InvalidPathException;

/**
 * Where the WebDAV front end is mounted and how a URL names a repository. One implementation, two
 * mounts: {@code /dav/{owner}/{repo}/...} names the repository in the URL; the Nextcloud/ownCloud
 * sync-client paths ({@code /remote.php/dav/files/{user}/...}, {@code /remote.php/webdav/...}) name a
 * user, whose home repository a setting gives ({@link SyncHomes}). Handlers never see the difference:
 * hrefs are built from {@link DavTarget#base()}.
 */
public abstract sealed class DavMount {
    private DavMount() {
    }

    /** The {@code /dav/{owner}/{repo}/} mount. */
    public static DavMount dav() {
        return new Dav();
    }

    /** The Nextcloud/ownCloud paths, each user's files being their home repository. */
    public static DavMount syncClients(SyncHomes homes) {
        return new Sync(homes);
    }

    /**
     * What a still-encoded request path (or Destination, or If tag) names for this user.
     *
     * @throws InvalidPathException MALFORMED when the path is not under this mount
     */
    abstract DavTarget parse(String rawPath, Principal user) throws InvalidPathException;

    /** Owner and repository of a raw path, leniently (null when there is none), for error answers. */
    abstract String[] repositoryNames(String rawPath, Principal user);

    /** True when a raw path is under this mount at all (a Destination elsewhere is another server's). */
    abstract boolean claims(String rawPath);

    /** True for the sync-client mount: Nextcloud's properties and 412 for a stale If-Match. */
    abstract boolean forSyncClients();

    private static final class Dav extends DavMount {
        @Override
        DavTarget parse(String rawPath, Principal user) throws InvalidPathException {
            return DavTarget.parse(rawPath);
        }

        @Override
        String[] repositoryNames(String rawPath, Principal user) {
            return DavTarget.repositoryNames(rawPath);
        }

        @Override
        boolean claims(String rawPath) {
            return rawPath.startsWith(DavTarget.PREFIX) || rawPath.equals("/dav");
        }

        @Override
        boolean forSyncClients() {
            return false;
        }
    }

    private static final class Sync extends DavMount {
        static final String WEBDAV = "/remote.php/webdav";
        static final String FILES = "/remote.php/dav/files/";
        private final SyncHomes homes;

        Sync(SyncHomes homes) {
            this.homes = homes;
        }

        @Override
        DavTarget parse(String rawPath, Principal user) throws InvalidPathException {
            if (rawPath.equals(WEBDAV) || rawPath.startsWith(WEBDAV + "/")) {
                String rest = rawPath.length() == WEBDAV.length() ? "" : rawPath.substring(WEBDAV.length() + 1);
                String[] home = homes.of(user.name());
                return DavTarget.below(home[0], home[1], WEBDAV + "/", rest);
            }
            if (rawPath.startsWith(FILES)) {
                String after = rawPath.substring(FILES.length());
                int slash = after.indexOf('/');
                String encodedUser = slash < 0 ? after : after.substring(0, slash);
                if (!encodedUser.isEmpty()) {
                    String[] home = homes.of(UrlCodec.decode(encodedUser));
                    return DavTarget.below(home[0], home[1], FILES + encodedUser + "/", slash < 0 ? "" : after.substring(slash + 1));
                }
                // /remote.php/dav/files/ itself: above every home, like /dav/.
                return new DavTarget(null, null, dev.davit.storage.RepoPath.ROOT, true, null);
            }
            throw new InvalidPathException(InvalidPathException.Reason.MALFORMED, "not a sync-client URL: " + rawPath);
        }

        @Override
        String[] repositoryNames(String rawPath, Principal user) {
            try {
                DavTarget t = parse(rawPath, user);
                return t.isRepository() ? new String[] {t.owner(), t.repo()} : null;
            } catch (InvalidPathException | RuntimeException e) {
                // Lenient on the path: the home still names the repository whose revision an error shows.
                String[] names = homeOnly(rawPath, user);
                return names;
            }
        }

        private String[] homeOnly(String rawPath, Principal user) {
            if (rawPath.startsWith(WEBDAV)) {
                return homes.of(user.name());
            }
            if (rawPath.startsWith(FILES)) {
                String after = rawPath.substring(FILES.length());
                int slash = after.indexOf('/');
                try {
                    return homes.of(UrlCodec.decode(slash < 0 ? after : after.substring(0, slash)));
                } catch (InvalidPathException | RuntimeException e) {
                    return null;
                }
            }
            return null;
        }

        @Override
        boolean claims(String rawPath) {
            return rawPath.equals(WEBDAV) || rawPath.startsWith(WEBDAV + "/") || rawPath.startsWith(FILES);
        }

        @Override
        boolean forSyncClients() {
            return true;
        }
    }
}
