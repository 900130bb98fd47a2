package dev.davit.web;

import dev.davit.storage.history.History;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jgit.lib.ObjectId;

import dev.davit.auth.Access;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.storage.history.CommitInfo;
import dev.davit.storage.Entry;
import dev.davit.storage.history.FileChange;
import dev.davit.storage.GitRepository;
import dev.davit.storage.InvalidPathException;
import dev.davit.storage.NotFoundException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.storage.Snapshot;

/**
 * {@code /ui/{owner}/{repo}/...}: a plain server-rendered page per repository, for a browser. Routes:
 * <ul>
 * <li>{@code /ui/o/r/} and {@code /ui/o/r/tree/{path}/}: a folder of {@code main};</li>
 * <li>{@code /ui/o/r/history/{path}}: the commits that changed a file, with author and date;</li>
 * <li>{@code /ui/o/r/diff/{path}?from=&to=}: the unified diff of a file between two commits;</li>
 * <li>{@code /ui/o/r/raw/{commit}/{path}}: download the file as it was at a commit.</li>
 * </ul>
 * Read-only, same users and rights as WebDAV (a repository you may not read is 404).
 */
public final class WebUiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final int MAX_VERSIONS = 100;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final transient Repositories repositories;
    private final transient UserStore users;

    public WebUiServlet(Repositories repositories, UserStore users) {
        this.repositories = repositories;
        this.users = users;
    }

    /** A page's address, parsed: repository, route and the rest of the path (still raw segments). */
    private record Route(String owner, String repo, String kind, List<String> rest) {
        String base() {
            return "/ui/" + Html.segment(owner) + "/" + Html.segment(repo) + "/";
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            Route r = route(req.getRequestURI());
            Principal user = (Principal) req.getAttribute(Principal.REQUEST_ATTRIBUTE);
            if (r == null || !users.allows(user, r.owner(), r.repo(), Access.READ)) {
                throw new NotFoundException(RepoPath.ROOT, "no such page");
            }
            GitRepository repo = repositories.open(r.owner(), r.repo());
            switch (r.kind()) {
                case "tree" -> tree(resp, r, repo, path(r.rest()));
                case "history" -> history(resp, r, repo, path(r.rest()));
                case "diff" -> diff(req, resp, r, repo, path(r.rest()));
                case "raw" -> raw(resp, repo, r.rest());
                default -> throw new NotFoundException(RepoPath.ROOT, "no such page");
            }
        } catch (NotFoundException | InvalidPathException e) {
            send(resp, 404, Html.page("Not found", "<h1>Not found</h1><p>" + Html.text(e.getMessage()) + "</p>"));
        }
    }

    private static Route route(String uri) {
        String[] parts = uri.split("/", -1); // "", "ui", owner, repo, kind?, rest...
        if (parts.length < 4 || !parts[1].equals("ui")) {
            return null;
        }
        String owner = Html.decode(parts[2]);
        String repo = Html.decode(parts[3]);
        if (parts.length == 4 || parts.length == 5 && parts[4].isEmpty()) {
            return new Route(owner, repo, "tree", List.of());
        }
        List<String> rest = new ArrayList<>();
        for (int i = 5; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                rest.add(Html.decode(parts[i]));
            }
        }
        return new Route(owner, repo, parts[4], rest);
    }

    private static RepoPath path(List<String> segments) throws InvalidPathException {
        return RepoPath.of(segments);
    }

    private static String encodedPath(RepoPath p) {
        StringBuilder sb = new StringBuilder();
        for (String s : p.segments()) {
            sb.append(sb.length() == 0 ? "" : "/").append(Html.segment(s));
        }
        return sb.toString();
    }

    private static String shortId(ObjectId id) {
        return id.name().substring(0, 7);
    }

    private void tree(HttpServletResponse resp, Route r, GitRepository repo, RepoPath path) throws IOException, NotFoundException {
        StringBuilder b = new StringBuilder();
        try (Snapshot s = repo.head()) {
            Entry folder = s.lookup(path).orElseThrow(() -> new NotFoundException(path, "/" + path + " does not exist"));
            if (!folder.isFolder()) {
                resp.sendRedirect(r.base() + "history/" + encodedPath(path));
                return;
            }
            b.append("<h1>").append(Html.text(r.owner() + "/" + r.repo() + "/" + path)).append("</h1>\n");
            b.append("<p>revision <code>").append(s.revision() == null ? "(none)" : s.revision().name()).append("</code></p>\n");
            b.append("<table id=\"files\"><tr><th>name</th><th></th><th></th></tr>\n");
            if (!path.isRoot()) {
                b.append("<tr><td><a href=\"").append(r.base()).append("tree/").append(encodedPath(path.parent()))
                        .append("\">../</a></td></tr>\n");
            }
            for (Entry e : s.list(folder)) {
                String p = encodedPath(e.path());
                if (e.isFolder()) {
                    b.append("<tr><td><a class=\"folder\" href=\"").append(r.base()).append("tree/").append(p).append("/\">")
                            .append(Html.text(e.name())).append("/</a></td><td></td><td></td></tr>\n");
                } else {
                    b.append("<tr><td><a class=\"file\" href=\"").append(r.base()).append("history/").append(p).append("\">")
                            .append(Html.text(e.name())).append("</a></td><td><a href=\"").append(r.base()).append("history/").append(p)
                            .append("\">history</a></td><td><a href=\"").append(r.base()).append("raw/").append(s.revision().name())
                            .append("/").append(p).append("\">download</a></td></tr>\n");
                }
            }
            b.append("</table>\n");
        }
        send(resp, 200, Html.page(r.owner() + "/" + r.repo() + "/" + path, b.toString()));
    }

    private void history(HttpServletResponse resp, Route r, GitRepository repo, RepoPath path) throws IOException, NotFoundException {
        ObjectId head = repo.headId();
        List<CommitInfo> commits = head == null || path.isRoot() ? List.of()
                : History.of(repo).log(head, path, 0, MAX_VERSIONS).commits();
        if (commits.isEmpty()) {
            throw new NotFoundException(path, "/" + path + " has no history");
        }
        String p = encodedPath(path);
        StringBuilder b = new StringBuilder();
        b.append("<h1>History of ").append(Html.text(path.toString())).append("</h1>\n");
        b.append("<p><a href=\"").append(r.base()).append("tree/").append(encodedPath(path.parent())).append("\">back to folder</a></p>\n");
        b.append("<table id=\"history\"><tr><th>commit</th><th>author</th><th>date</th><th>message</th><th></th><th></th></tr>\n");
        for (int i = 0; i < commits.size(); i++) {
            CommitInfo c = commits.get(i);
            b.append("<tr class=\"version\"><td><code>").append(shortId(c.id())).append("</code></td><td class=\"author\">")
                    .append(Html.text(c.author().name())).append("</td><td class=\"date\">").append(WHEN.format(c.author().when()))
                    .append("</td><td>").append(Html.text(firstLine(c.message()))).append("</td><td>");
            b.append("<a class=\"download\" href=\"").append(r.base()).append("raw/").append(c.id().name()).append("/").append(p)
                    .append("\">download</a></td><td>");
            if (i + 1 < commits.size()) {
                b.append("<a class=\"diff\" href=\"").append(r.base()).append("diff/").append(p).append("?from=")
                        .append(commits.get(i + 1).id().name()).append("&amp;to=").append(c.id().name()).append("\">diff with previous</a>");
            }
            b.append("</td></tr>\n");
        }
        b.append("</table>\n");
        // Any two versions: a plain GET form, so it works without script.
        b.append("<form id=\"compare\" method=\"get\" action=\"").append(r.base()).append("diff/").append(p).append("\">compare ");
        for (String field : List.of("from", "to")) {
            b.append("<select name=\"").append(field).append("\">");
            for (int i = 0; i < commits.size(); i++) {
                CommitInfo c = commits.get(i);
                boolean selected = field.equals("to") ? i == 0 : i == Math.min(1, commits.size() - 1);
                b.append("<option value=\"").append(c.id().name()).append('"').append(selected ? " selected" : "").append('>')
                        .append(shortId(c.id())).append(' ').append(Html.text(firstLine(c.message()))).append("</option>");
            }
            b.append("</select> ");
        }
        b.append("<button type=\"submit\">diff</button></form>\n");
        send(resp, 200, Html.page("History of " + path, b.toString()));
    }

    private void diff(HttpServletRequest req, HttpServletResponse resp, Route r, GitRepository repo, RepoPath path)
            throws IOException, NotFoundException {
        String from = req.getParameter("from");
        String to = req.getParameter("to");
        if (from == null || to == null) {
            throw new NotFoundException(path, "diff needs from= and to=");
        }
        ObjectId a = History.of(repo).resolve(from);
        ObjectId b2 = History.of(repo).resolve(to);
        Optional<FileChange> change = History.of(repo).changes(a, b2).stream()
                .filter(c -> c.path().equals(path.toString()) || path.toString().equals(c.previousPath())).findFirst();
        StringBuilder b = new StringBuilder();
        b.append("<h1>").append(Html.text(path.toString())).append(": ").append(shortId(a)).append(" → ").append(shortId(b2)).append("</h1>\n");
        b.append("<p><a href=\"").append(r.base()).append("history/").append(encodedPath(path)).append("\">history</a></p>\n");
        if (change.isEmpty()) {
            b.append("<p id=\"nodiff\">no difference</p>\n");
        } else if (change.get().patch() == null) {
            b.append("<p id=\"nodiff\">binary content differs</p>\n");
        } else {
            b.append("<p>").append(change.get().status()).append(", +").append(change.get().additions()).append(" −")
                    .append(change.get().deletions()).append("</p>\n<pre class=\"diff\" id=\"diff\">");
            for (String line : change.get().patch().split("\n", -1)) {
                String cls = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : null;
                b.append(cls == null ? "" : "<span class=\"" + cls + "\">").append(Html.text(line)).append(cls == null ? "" : "</span>").append('\n');
            }
            b.append("</pre>\n");
        }
        send(resp, 200, Html.page("diff " + path, b.toString()));
    }

    private void raw(HttpServletResponse resp, GitRepository repo, List<String> rest) throws IOException, NotFoundException,
            InvalidPathException {
        if (rest.size() < 2) {
            throw new NotFoundException(RepoPath.ROOT, "raw needs a commit and a path");
        }
        RepoPath path = path(rest.subList(1, rest.size()));
        try (Snapshot s = repo.at(rest.get(0))) {
            Entry e = s.lookup(path).filter(x -> !x.isFolder())
                    .orElseThrow(() -> new NotFoundException(path, "/" + path + " is not a file at " + rest.get(0)));
            resp.setStatus(200);
            resp.setContentType("application/octet-stream");
            resp.setHeader("ETag", "\"" + e.id().name() + "\"");
            resp.setHeader("Content-Disposition", "attachment; filename*=UTF-8''" + Html.segment(e.name()));
            resp.setContentLengthLong(s.size(e));
            try (InputStream in = s.open(e); OutputStream out = resp.getOutputStream()) {
                in.transferTo(out);
            }
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static void send(HttpServletResponse resp, int status, String html) throws IOException {
        resp.setStatus(status);
        resp.setContentType("text/html; charset=utf-8");
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
