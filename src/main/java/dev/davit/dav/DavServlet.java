package dev.davit.dav;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.milton.config.HttpManagerBuilder;
import io.milton.http.HttpExtension;
import io.milton.http.HttpManager;
import io.milton.http.Request;
import io.milton.servlet.ServletRequest;
import io.milton.servlet.ServletResponse;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.lock.LockStore;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.storage.RepositorySizes;

/**
 * {@code /dav/*}: resolves the repository and the path, checks the user's right, then lets milton's
 * {@link HttpManager} dispatch to Davit's handlers. Authentication happened before (the server's filter
 * leaves a {@link Principal} on the request).
 */
public final class DavServlet extends HttpServlet {
    private final transient Repositories repositories;
    private final transient UserStore users;
    private final transient DavSettings settings;
    private final transient HttpManager manager;
    private final transient Locking locking;
    private final transient JunkNames junk;
    private final transient DavMount mount;
    private final transient ClientMetadata clientMetadata;
    private final transient RepositorySizes quota;
    private final transient ChunkedUploadV2 uploads;
    private final transient NextcloudVersions versions;
    /** GET/HEAD of a small file at the head without milton (the /dav/ mount only), or null. */
    private final transient HeadFileGet headFileGet;
    private static final String ERROR_REPOSITORY = DavServlet.class.getName() + ".repository";

    /**
     * @param mount          where it is mounted: {@link DavMount#dav()}, or again at the sync clients' paths
     *                       with the same users, locks and limits
     * @param clientMetadata file ids and client times, one for the server, shared by every mount
     */
    public DavServlet(Repositories repositories, UserStore users, LockStore locks, DavSettings settings, DavMount mount,
                      ClientMetadata clientMetadata) {
        this(repositories, users, locks, settings, mount, clientMetadata, null);
    }

    /**
     * @param uploads the sync clients' chunked upload v2 folders (their mount only), or null
     */
    public DavServlet(Repositories repositories, UserStore users, LockStore locks, DavSettings settings, DavMount mount,
                      ClientMetadata clientMetadata, UploadFolders uploads) {
        this.uploads = uploads == null ? null : new ChunkedUploadV2(uploads, settings, mount, this::open);
        this.versions = mount.forSyncClients() ? new NextcloudVersions(mount, this::open) : null;
        this.mount = mount;
        this.clientMetadata = clientMetadata;
        this.locking = new Locking(locks);
        this.junk = new JunkNames(settings.junkPatterns());
        this.repositories = repositories;
        this.users = users;
        this.settings = settings;
        this.manager = buildManager(settings);
        this.quota = repositories.sizes();
        this.headFileGet = mount.forSyncClients() ? null : new HeadFileGet(repositories, users, clientMetadata);
    }

    /**
     * milton with everything we do not use switched off (its defaults would serve the home directory,
     * gzip into memory, open a JSON write gateway and write cookie keys to /tmp: milton-ce.md §0, §8) and
     * Davit's handlers registered after the built-ins so they win for every method.
     */
    private static HttpManager buildManager(DavSettings settings) {
        HttpManagerBuilder b = new HttpManagerBuilder();
        b.setMainResourceFactory((host, path) -> null);
        b.setEnabledJson(false);
        b.setEnableCompression(false);
        b.setEnableFormAuth(false);
        b.setEnableCookieAuth(false);
        b.setEnableDigestAuth(false);
        b.setEnableBasicAuth(false);
        b.setEnabledCkBrowser(false);
        b.setDefaultStandardFilter(new DavitFilter(settings));
        b.init();
        ArrayList<HttpExtension> protocols = b.getProtocols();
        protocols.add(new DavitProtocol(List.of(new OptionsHandler(), new GetHandler(), new PutHandler(), new DeleteHandler(),
                new MkcolHandler(), new CopyMoveHandler(), new PropfindHandler(), new ProppatchHandler(), new LockHandler(), new UnlockHandler(),
                new NotAllowedHandler())));
        return b.buildHttpManager();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        GitRepository repo = null;
        try {
            String method = req.getMethod();
            if (!isMiltonMethod(method)) {
                // milton's request wrapper would throw on a verb outside its enum (a 500).
                throw new DavProblem(405, "method-not-allowed", method + " is not supported here");
            }
            Principal user = (Principal) req.getAttribute(Principal.REQUEST_ATTRIBUTE);
            if (headFileGet != null && headFileGet.answer(req, resp, user)) {
                return;
            }
            if (uploads != null && ChunkedUploadV2.claims(req.getRequestURI())) {
                uploads.handle(req, resp, user); // Nextcloud's chunked upload v2: kept outside every repository
                return;
            }
            if (versions != null && NextcloudVersions.claims(req.getRequestURI())) {
                versions.handle(req, resp, user); // Nextcloud's versions endpoint, from git history
                return;
            }
            String[] names = mount.repositoryNames(req.getRequestURI(), user);
            if (names != null && users.allows(user, names[0], names[1], Access.READ)) {
                try {
                    repo = repositories.open(names[0], names[1]);
                } catch (NotFoundException e) {
                    repo = null; // reported below, after the path has been checked
                }
            }
            DavTarget target = mount.parse(req.getRequestURI(), user);
            if (!target.isRepository()) {
                if ("OPTIONS".equals(method)) {
                    OptionsHandler.answer(resp);
                    return;
                }
                throw new NotFoundException(RepoPath.ROOT, "not a repository: " + req.getRequestURI());
            }
            if (!users.allows(user, target.owner(), target.repo(), Access.READ)) {
                // Like GitHub: a repository you may not read does not exist for you.
                throw new NotFoundException(RepoPath.ROOT, "no repository " + target.owner() + "/" + target.repo());
            }
            if (repo == null) {
                repo = mount.forSyncClients() ? openHome(user, target) : repositories.open(target.owner(), target.repo());
            }
            boolean write = DavMethods.WRITES.contains(method);
            DavExchange x = exchange(req, resp, user, target, repo, write);
            if (write && x.rev() != null) {
                throw new DavProblem(405, "past-revision", "a past revision (?rev=) is read-only");
            }
            if (x.writable && x.rev() == null && !"OPTIONS".equals(method) && !HistoryView.claims(target.path())) {
                // The empty file of a LOCK that expired without its holder's PUT is committed now (RFC 4918 §7.3).
                SideFileRequests.settle(x, target.path(), x.author());
            }
            ObjectId head = repo.headId();
            x.revision(head);
            if (HistoryView.claims(target.path())) {
                HistoryView.handle(x); // the computed, read-only history (.history/): never milton's
                return;
            }
            req.setAttribute(DavExchange.class.getName(), x);
            manager.process(new ServletRequest(req, getServletContext()), new ServletResponse(resp));
        } catch (Exception e) {
            if (repo == null && req.getAttribute(ERROR_REPOSITORY) instanceof GitRepository r) {
                repo = r;
            }
            DavErrors.respond(req, resp, repo, settings, e);
        }
    }

    private DavExchange exchange(HttpServletRequest req, HttpServletResponse resp, Principal user, DavTarget target,
                                 GitRepository repo, boolean write) {
        if (write && !users.allows(user, target.owner(), target.repo(), Access.WRITE)) {
            throw new DavProblem(403, "read-only", user.name() + " may read but not write " + target.owner() + "/" + target.repo());
        }
        DavExchange x = new DavExchange(req, resp, user, target, repo, settings, locking, junk, mount, clientMetadata, quota);
        x.writable = users.allows(user, target.owner(), target.repo(), Access.WRITE);
        return x;
    }

    /**
     * The exchange of a write to {@code target} made by a request to another URL (the final MOVE of a chunked
     * upload): the same checks of rights as a request to it, the empty file of an expired LOCK settled, the
     * head's revision on the answer.
     */
    private DavExchange open(HttpServletRequest req, HttpServletResponse resp, Principal user, DavTarget target, boolean write)
            throws Exception {
        if (!users.allows(user, target.owner(), target.repo(), Access.READ)) {
            throw new NotFoundException(RepoPath.ROOT, "no repository " + target.owner() + "/" + target.repo());
        }
        GitRepository repo = mount.forSyncClients() ? openHome(user, target) : repositories.open(target.owner(), target.repo());
        req.setAttribute(ERROR_REPOSITORY, repo); // an error answer carries its X-Revision
        DavExchange x = exchange(req, resp, user, target, repo, write);
        if (write) {
            SideFileRequests.settle(x, target.path(), x.author());
        }
        x.revision(repo.headId());
        return x;
    }

    /**
     * A sync client's home: a user without {@code user.NAME.home} gets {@code NAME/files}, made empty the
     * first time they (with the right to write it) connect, as a Nextcloud account starts with its folder.
     */
    private GitRepository openHome(Principal user, DavTarget target) throws java.io.IOException, dev.davit.storage.StorageException {
        try {
            return repositories.open(target.owner(), target.repo());
        } catch (NotFoundException e) {
            if (target.owner().equals(user.name()) && SyncHomes.DEFAULT_REPOSITORY.equals(target.repo())
                    && users.allows(user, target.owner(), target.repo(), Access.WRITE)) {
                return repositories.createIfMissing(target.owner(), target.repo(), null,
                        new dev.davit.storage.Identity(user.name(), user.email()));
            }
            throw e;
        }
    }

    private static boolean isMiltonMethod(String method) {
        for (Request.Method m : Request.Method.values()) {
            if (m.name().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
