package dev.davit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;

import dev.davit.storage.GitRepository;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.Repositories;

/**
 * What the nodes of a cluster ask each other over HTTP, at {@value #PREFIX} on every node's HTTP port, answered
 * by the node asked (never forwarded to the leader: a catch-up must read the snapshot and the repositories of
 * one node). A node that fell behind the start of the leader's Raft log ({@link PeerCatchUp}) reads there the
 * leader's latest snapshot file ({@code snapshot}) and then fetches each repository with git smart HTTP
 * ({@code git/OWNER/NAME.git}, JGit's {@link GitServlet}: upload-pack only, never receive-pack) and its state
 * beside the history ({@code side/OWNER/NAME}: files kept aside and sync-client metadata, {@link BesideState}).
 * The leader ships large files there before the entry that names them, and a node that missed one fetches it
 * ({@code blob/OWNER/NAME/ID}, {@link BlobTransfer}).
 *
 * <p>With mutual TLS between the nodes ({@code cluster.tls.*}) they answer on the nodes' own HTTPS port only
 * (404 on the users' ports). Every request must carry the cluster's shared secret ({@code cluster.secret}) in {@value #SECRET_HEADER}
 * (compared in constant time); without it the answer is 403 and nothing is read. User credentials play no part.
 */
final class PeerEndpoints {
    static final String PREFIX = "/cluster/";
    static final String SECRET_HEADER = "X-Davit-Cluster-Secret";

    private PeerEndpoints() {
    }

    /** @param onlyOnPort the local port they answer on (the nodes' own, with mutual TLS), or -1 for any */
    static void addTo(ServletContextHandler context, String secret, SnapshotFiles snapshots, Repositories repositories,
                      int onlyOnPort) {
        FilterHolder guard = new FilterHolder(new SecretFilter(secret, onlyOnPort));
        context.addFilter(guard, PREFIX + "*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("cluster-snapshot", new SnapshotServlet(snapshots)), PREFIX + "snapshot");
        context.addServlet(new ServletHolder("cluster-git", new PeerGitServlet(repositories)), PREFIX + "git/*");
        context.addServlet(new ServletHolder("cluster-side", new BesideServlet(repositories)), PREFIX + "side/*");
        context.addServlet(new ServletHolder("cluster-blob", new BlobServlet(repositories)), PREFIX + "blob/*");
    }

    static boolean secretMatches(String expected, String given) {
        return given != null && !expected.isEmpty()
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static final class SecretFilter extends HttpFilter {
        private static final long serialVersionUID = 1L;
        private final String secret;
        private final int onlyOnPort;

        SecretFilter(String secret, int onlyOnPort) {
            this.secret = secret;
            this.onlyOnPort = onlyOnPort;
        }

        @Override
        protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
            if (onlyOnPort >= 0 && req.getLocalPort() != onlyOnPort) {
                // With mutual TLS, only on the nodes' own port (a peer's certificate checked): not on the users' ports.
                resp.setStatus(404);
                resp.setContentType("text/plain; charset=utf-8");
                resp.getWriter().write("404 Not Found: for the nodes of this cluster, on their own port only\n");
                return;
            }
            if (!secretMatches(secret, req.getHeader(SECRET_HEADER))) {
                resp.setStatus(403);
                resp.setContentType("text/plain; charset=utf-8");
                resp.getWriter().write("403 Forbidden: for the nodes of this cluster only (" + SECRET_HEADER + ")\n");
                return;
            }
            chain.doFilter(req, resp);
        }
    }

    /** GET: this node's latest Raft snapshot file, as it is on disk. */
    private static final class SnapshotServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient SnapshotFiles snapshots;

        SnapshotServlet(SnapshotFiles snapshots) {
            this.snapshots = snapshots;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] bytes = snapshots.latestBytes();
            if (bytes == null) {
                resp.setStatus(404);
                resp.setContentType("text/plain; charset=utf-8");
                resp.getWriter().write("404 Not Found: this node has taken no Raft snapshot yet\n");
                return;
            }
            resp.setContentType("application/octet-stream");
            resp.setContentLength(bytes.length);
            resp.getOutputStream().write(bytes);
        }
    }

    /** GET side/OWNER/NAME: the repository's files kept aside and notes, each as of the last entry applied to it. */
    private static final class BesideServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient Repositories repositories;

        BesideServlet(Repositories repositories) {
            this.repositories = repositories;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String[] parts = req.getPathInfo() == null ? new String[0] : req.getPathInfo().substring(1).split("/", -1);
            GitRepository repo = null;
            if (parts.length == 2) {
                try {
                    repo = repositories.open(parts[0], parts[1]);
                } catch (NotFoundException e) {
                    repo = null;
                }
            }
            if (repo == null) {
                resp.setStatus(404);
                resp.setContentType("text/plain; charset=utf-8");
                resp.getWriter().write("404 Not Found: no repository " + req.getPathInfo() + " on this node\n");
                return;
            }
            resp.setContentType("application/zip");
            // Written as it is read: a failure midway breaks the answer, which the reader refuses (its end is missing).
            BesideState.write(repositories, repo, resp.getOutputStream());
        }
    }

    /**
     * PUT blob/OWNER/NAME/ID: stores the blob sent (its length given), checked against its id and fsynced, and
     * answers 204 once it is durable here; 204 at once, the body unread, when this node has it already (the
     * sender asks with {@code Expect: 100-continue} and so sends nothing). The repository is made if missing, as
     * the entry naming the blob would make it. GET: the blob, when this node has it.
     */
    private static final class BlobServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient Repositories repositories;

        BlobServlet(Repositories repositories) {
            this.repositories = repositories;
        }

        private record Target(String owner, String name, org.eclipse.jgit.lib.ObjectId id) {
            static Target of(String pathInfo) {
                String[] parts = pathInfo == null ? new String[0] : pathInfo.substring(1).split("/", -1);
                if (parts.length != 3 || !org.eclipse.jgit.lib.ObjectId.isId(parts[2])) {
                    return null;
                }
                return new Target(parts[0], parts[1], org.eclipse.jgit.lib.ObjectId.fromString(parts[2]));
            }
        }

        private static void answer(HttpServletResponse resp, int status, String text) throws IOException {
            resp.setStatus(status);
            resp.setContentType("text/plain; charset=utf-8");
            resp.getWriter().write(status + " " + text + "\n");
        }

        @Override
        protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Target t = Target.of(req.getPathInfo());
            if (t == null) {
                answer(resp, 404, "Not Found: not blob/OWNER/NAME/ID");
                return;
            }
            long length = req.getContentLengthLong();
            if (length < 0) {
                answer(resp, 411, "Length Required");
                return;
            }
            GitRepository repo;
            try {
                repo = repositories.createIfMissing(t.owner(), t.name(), null, null);
            } catch (dev.davit.storage.StorageException e) {
                answer(resp, 404, "Not Found: " + e.getMessage());
                return;
            }
            if (repo.holdsBlob(t.id())) {
                resp.setStatus(204);
                return;
            }
            try {
                repo.receiveBlob(t.id(), req.getInputStream(), length);
            } catch (dev.davit.storage.disk.NoSpaceException e) {
                answer(resp, 507, "Insufficient Storage: " + e.getMessage());
                return;
            } catch (IOException e) {
                answer(resp, 400, "Bad Request: " + e.getMessage());
                return;
            }
            resp.setStatus(204);
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Target t = Target.of(req.getPathInfo());
            GitRepository repo = null;
            if (t != null) {
                try {
                    repo = repositories.open(t.owner(), t.name());
                } catch (NotFoundException e) {
                    repo = null;
                }
            }
            if (repo == null || !repo.holdsBlob(t.id())) {
                answer(resp, 404, "Not Found: no such blob on this node");
                return;
            }
            try (GitRepository.SizedStream blob = repo.openBlob(t.id())) {
                resp.setContentType("application/octet-stream");
                resp.setContentLengthLong(blob.size());
                blob.stream().transferTo(resp.getOutputStream());
            }
        }
    }

    /** git-upload-pack of any repository, as on disk once its disk writer caught up. */
    private static final class PeerGitServlet extends GitServlet {
        private static final long serialVersionUID = 1L;

        PeerGitServlet(Repositories repositories) {
            setRepositoryResolver((HttpServletRequest req, String name) -> resolve(repositories, name));
            setReceivePackFactory((req, db) -> {
                throw new ServiceNotEnabledException("the cluster's nodes only fetch from each other");
            });
        }

        private static Repository resolve(Repositories repositories, String name) throws RepositoryNotFoundException {
            String[] parts = (name.endsWith(".git") ? name.substring(0, name.length() - 4) : name).split("/", -1);
            if (parts.length != 2) {
                throw new RepositoryNotFoundException(name);
            }
            try {
                GitRepository open = repositories.open(parts[0], parts[1]);
                open.applyToDisk();
                Repository db = open.jgit();
                db.incrementOpen(); // GitServlet closes what it is handed; the instance is shared
                return db;
            } catch (NotFoundException | IOException e) {
                throw new RepositoryNotFoundException(name, e);
            }
        }
    }
}
