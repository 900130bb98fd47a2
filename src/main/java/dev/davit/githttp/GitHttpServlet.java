package dev.davit.githttp;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.lock.LockStore;
import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.Repositories;

/**
 * {@code /git/{owner}/{repo}.git}: git smart HTTP by JGit's {@link GitServlet}, over the same open
 * repositories, users and rights as WebDAV. Authentication happened before (the server's filter leaves a
 * {@link Principal} on the request). A repository the user may not read does not exist for them (404,
 * like GitHub); fetch needs read, push needs write (403 otherwise).
 */
public final class GitHttpServlet extends GitServlet {
    private static final long serialVersionUID = 1L;

    public GitHttpServlet(Repositories repositories, UserStore users, LockStore locks) {
        setRepositoryResolver((HttpServletRequest req, String name) -> resolve(repositories, users, req, name));
        setUploadPackFactory((req, db) -> uploadPack(req, db));
        setReceivePackFactory((req, db) -> {
            Principal user = principal(req);
            RepoName repo = RepoName.parse(req.getPathInfo());
            if (repo == null || !users.allows(user, repo.owner(), repo.name(), Access.WRITE)) {
                // ServiceNotEnabledException is GitServlet's 403; ServiceNotAuthorizedException would be a 401
                // and make git ask for other credentials that do not exist.
                throw new ServiceNotEnabledException(user.name() + " may not push to " + req.getPathInfo());
            }
            GitRepository served;
            try {
                served = repositories.open(repo.owner(), repo.name());
            } catch (NotFoundException | java.io.IOException e) {
                throw new ServiceNotEnabledException(req.getPathInfo() + ": " + e.getMessage());
            }
            ReceivePack rp = new DurableReceivePack(db, served);
            // git itself refuses a non-fast-forward push unless --force; the server refuses the forced one
            // too (receive.denyNonFastForwards), because WebDAV clients hold ETags of the history it would drop.
            rp.setAllowNonFastForwards(false);
            rp.setRefLogIdent(new org.eclipse.jgit.lib.PersonIdent(user.name(), user.email()));
            rp.setPreReceiveHook(org.eclipse.jgit.transport.PreReceiveHookChain.newChain(java.util.List.of(
                    new LockedPathsHook(locks, repo.owner() + "/" + repo.name(), user.name()),
                    new SizeLimitHook(served))));
            return rp;
        });
    }

    /**
     * Fetch and clone. Protocol v2 ({@code git -c protocol.version=2}) is asked for in the {@code Git-Protocol}
     * header, which JGit's UploadPack reads from its extra parameters (as JGit's default factory passes them).
     * Partial clone ({@code --filter=blob:none}): {@code uploadpack.allowFilter}; the client later fetches
     * the blobs it lacks by id, so wants need not be ref tips ({@code allowAnySHA1InWant}): whoever may fetch
     * may read every object of the repository anyway (the REST API serves blobs by id).
     */
    private static UploadPack uploadPack(HttpServletRequest req, Repository db) {
        UploadPack up = new UploadPack(db);
        org.eclipse.jgit.lib.Config c = new org.eclipse.jgit.lib.Config(db.getConfig());
        c.setBoolean("uploadpack", null, "allowfilter", true);
        c.setBoolean("uploadpack", null, "allowanysha1inwant", true);
        up.setTransferConfig(new org.eclipse.jgit.transport.TransferConfig(c));
        String protocol = req.getHeader("Git-Protocol");
        if (protocol != null) {
            up.setExtraParameters(java.util.Arrays.asList(protocol.split(":")));
        }
        return up;
    }

    private static Repository resolve(Repositories repositories, UserStore users, HttpServletRequest req, String name)
            throws RepositoryNotFoundException {
        RepoName repo = RepoName.parse("/" + name);
        if (repo == null || !users.allows(principal(req), repo.owner(), repo.name(), Access.READ)) {
            throw new RepositoryNotFoundException(name);
        }
        try {
            GitRepository open = repositories.open(repo.owner(), repo.name());
            // Clones, fetches and pushes see what WebDAV and REST see: the repository on disk catches up first.
            try {
                open.applyToDisk();
            } catch (java.io.IOException e) {
                throw new RepositoryNotFoundException(name + " (its files on disk are not up to date: " + e.getMessage() + ")", e);
            }
            // GitServlet closes what the resolver returns after each request; the instance is shared with
            // WebDAV and REST, so hand out one more use of it instead of the last one.
            Repository db = open.jgit();
            db.incrementOpen();
            return db;
        } catch (NotFoundException | java.io.IOException e) {
            throw new RepositoryNotFoundException(name, e);
        }
    }

    private static Principal principal(HttpServletRequest req) {
        return (Principal) req.getAttribute(Principal.REQUEST_ATTRIBUTE);
    }
}
