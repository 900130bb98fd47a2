package dev.davit.githttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.PullResult;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.TestServer;

/**
 * git smart HTTP at /git/{owner}/{repo}.git with JGit's client: clone, push, pull, and what WebDAV sees of
 * it; the rights (401, 403, 404), non-fast-forward pushes and pushes onto paths locked over WebDAV.
 */
class GitSmartHttpTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp, Map.of(
                "user.alice.password", "alice", "user.alice.access", "*:rw",
                "user.stranger.password", "stranger", "user.stranger.access", "other/*:rw"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static Path dir(String name) throws Exception {
        return Files.createTempDirectory(tmp, name);
    }

    private static RevCommit commit(Git git, String path, String content, String message, Instant when) throws Exception {
        Path f = git.getRepository().getWorkTree().toPath().resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        git.add().addFilepattern(path).call();
        PersonIdent who = new PersonIdent("Git User", "git@localhost", when, ZoneOffset.UTC);
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    private static RemoteRefUpdate.Status push(Git git, String user, String password, boolean force) throws Exception {
        Iterable<PushResult> results = git.push().setCredentialsProvider(GitClient.credentials(user, password))
                .setForce(force).call();
        return results.iterator().next().getRemoteUpdate("refs/heads/main").getStatus();
    }

    private static String pushMessage(Git git, String user, String password) throws Exception {
        Iterable<PushResult> results = git.push().setCredentialsProvider(GitClient.credentials(user, password)).call();
        RemoteRefUpdate u = results.iterator().next().getRemoteUpdate("refs/heads/main");
        return u.getStatus() + ": " + u.getMessage();
    }

    @Test
    void aPushedCommitIsSeenAtOnceOverWebDav() throws Exception {
        try (Git git = GitClient.cloneWithJgit(s, dir("clone"), "demo", "demo")) {
            assertThat(git.getRepository().getWorkTree().toPath().resolve("docs/welcome.txt")).hasContent("welcome");
            Instant t1 = Instant.parse("2021-03-04T05:06:07Z");
            Instant t2 = Instant.parse("2022-03-04T05:06:07Z");
            commit(git, "pushed/one.txt", "one\n", "one", t1);
            RevCommit second = commit(git, "pushed/two.txt", "two\n", "two", t2);

            assertThat(push(git, "demo", "demo", false)).isEqualTo(RemoteRefUpdate.Status.OK);

            HttpResponse<String> r = s.get("pushed/one.txt");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("one\n");
            assertThat(r.headers().firstValue("X-Revision")).hasValue(second.name());
            assertThat(r.headers().firstValue("ETag")).hasValue("\"" + dev.davit.testutil.Git.blobId("one\n") + "\"");
            // The last-modified index caught up with both pushed commits: one.txt keeps its own commit's
            // time, not the head's.
            assertThat(r.headers().firstValue("Last-Modified")).hasValue("Thu, 04 Mar 2021 05:06:07 GMT");
            assertThat(s.get("pushed/two.txt").headers().firstValue("Last-Modified")).hasValue("Fri, 04 Mar 2022 05:06:07 GMT");
            assertThat(s.head()).isEqualTo(second.name());

            // REST sees it too: the blob id is the contents sha, the pushed commit the revision.
            HttpResponse<String> rest = s.http.send(HttpRequest.newBuilder(
                    URI.create(s.server.baseUrl() + "api/repos/demo/sample/contents/pushed/one.txt"))
                    .header("Authorization", TestServer.basic("demo", "demo")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(rest.statusCode()).isEqualTo(200);
            assertThat(rest.body()).contains("\"sha\":\"" + dev.davit.testutil.Git.blobId("one\n") + "\"");
            assertThat(rest.headers().firstValue("X-Revision")).hasValue(second.name());
        }
    }

    @Test
    void aWebDavWriteIsSeenByGitPull() throws Exception {
        try (Git git = GitClient.cloneWithJgit(s, dir("pull"), "demo", "demo")) {
            assertThat(s.put("from-dav.txt", "dav\n").statusCode()).isEqualTo(201);
            PullResult pull = git.pull().setCredentialsProvider(GitClient.credentials("demo", "demo")).call();
            assertThat(pull.isSuccessful()).isTrue();
            assertThat(git.getRepository().getWorkTree().toPath().resolve("from-dav.txt")).hasContent("dav");
            assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(s.head());
        }
    }

    @Test
    void aNonFastForwardPushIsRefusedEvenWhenForced() throws Exception {
        try (Git git = GitClient.cloneWithJgit(s, dir("nff"), "demo", "demo")) {
            assertThat(s.put("moved-on.txt", "server side\n").statusCode()).isEqualTo(201);
            String head = s.head();
            commit(git, "mine.txt", "mine\n", "mine", Instant.now());
            assertThat(push(git, "demo", "demo", false)).isEqualTo(RemoteRefUpdate.Status.REJECTED_NONFASTFORWARD);
            RemoteRefUpdate.Status forced = push(git, "demo", "demo", true);
            assertThat(forced).isIn(RemoteRefUpdate.Status.REJECTED_NONFASTFORWARD, RemoteRefUpdate.Status.REJECTED_OTHER_REASON);
            assertThat(s.head()).isEqualTo(head);
            assertThat(s.get("moved-on.txt").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPushOntoAPathLockedBySomeoneElseIsRefusedNamingTheLock() throws Exception {
        assertThat(s.put("locked.txt", "v1\n").statusCode()).isEqualTo(201);
        String lockBody = "<?xml version=\"1.0\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
                + "<D:locktype><D:write/></D:locktype><D:owner>alice's editor</D:owner></D:lockinfo>";
        HttpResponse<String> lock = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "locked.txt"))
                .header("Authorization", TestServer.basic("alice", "alice")).header("Depth", "0").header("Timeout", "Second-600")
                .method("LOCK", HttpRequest.BodyPublishers.ofString(lockBody)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lock.statusCode()).as(lock.body()).isEqualTo(200);
        String token = lock.headers().firstValue("Lock-Token").orElseThrow();
        try {
            try (Git git = GitClient.cloneWithJgit(s, dir("locked"), "demo", "demo")) {
                String head = s.head();
                commit(git, "locked.txt", "v2 by git\n", "edit a locked file", Instant.now());
                String refused = pushMessage(git, "demo", "demo");
                assertThat(refused).startsWith("REJECTED_OTHER_REASON").contains("/locked.txt", "alice", "exclusive");
                assertThat(s.head()).isEqualTo(head);
                assertThat(s.get("locked.txt").body()).isEqualTo("v1\n");
            }
            // The lock's holder may push over it.
            try (Git git = GitClient.cloneWithJgit(s, dir("holder"), "alice", "alice")) {
                commit(git, "locked.txt", "v2 by alice\n", "alice edits her locked file", Instant.now());
                assertThat(push(git, "alice", "alice", false)).isEqualTo(RemoteRefUpdate.Status.OK);
                assertThat(s.get("locked.txt").body()).isEqualTo("v2 by alice\n");
            }
        } finally {
            s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "locked.txt"))
                    .header("Authorization", TestServer.basic("alice", "alice")).header("Lock-Token", token)
                    .method("UNLOCK", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void otherBranchesMayBePushedAndHiddenFilesStayHiddenFromWebDav() throws Exception {
        try (Git git = GitClient.cloneWithJgit(s, dir("hidden"), "demo", "demo")) {
            commit(git, ".davitnotes", "a helper file\n", "hidden helper", Instant.now());
            RevCommit c = commit(git, "visible.txt", "seen\n", "visible", Instant.now());
            assertThat(push(git, "demo", "demo", false)).isEqualTo(RemoteRefUpdate.Status.OK);
            assertThat(dev.davit.testutil.Git.files(s, "")).contains(".davitnotes", "visible.txt");
            assertThat(s.get(".davitnotes").statusCode()).isIn(403, 404);
            HttpResponse<String> list = s.send("PROPFIND", "", null, "Depth", "1");
            assertThat(list.body()).contains("visible.txt").doesNotContain(".davitnotes");
            assertThat(s.head()).isEqualTo(c.name());

            commit(git, "feature.txt", "f\n", "on a feature branch", Instant.now());
            Iterable<PushResult> r = git.push().setCredentialsProvider(GitClient.credentials("demo", "demo"))
                    .setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/feature")).call();
            assertThat(r.iterator().next().getRemoteUpdate("refs/heads/feature").getStatus()).isEqualTo(RemoteRefUpdate.Status.OK);
            assertThat(s.head()).isEqualTo(c.name());
            assertThat(s.get("feature.txt").statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> infoRefs(String service, String authorization) throws Exception {
        return infoRefs("demo/sample", service, authorization);
    }

    private static HttpResponse<String> infoRefs(String repo, String service, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.server.baseUrl() + "git/" + repo + ".git/info/refs?service=" + service));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void rights() throws Exception {
        HttpResponse<String> anonymous = infoRefs("git-upload-pack", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        assertThat(infoRefs("git-upload-pack", TestServer.basic("demo", "wrong")).statusCode()).isEqualTo(401);

        assertThat(infoRefs("git-upload-pack", TestServer.basic("reader", "reader")).statusCode()).isEqualTo(200);
        assertThat(infoRefs("git-receive-pack", TestServer.basic("reader", "reader")).statusCode()).isEqualTo(403);
        assertThat(infoRefs("git-receive-pack", TestServer.basic("demo", "demo")).statusCode()).isEqualTo(200);
        // A repository you may not read does not exist for you; nor does one that is not there.
        assertThat(infoRefs("git-upload-pack", TestServer.basic("stranger", "stranger")).statusCode()).isEqualTo(404);
        assertThat(infoRefs("git-receive-pack", TestServer.basic("stranger", "stranger")).statusCode()).isEqualTo(404);
        assertThat(infoRefs("demo/nope", "git-upload-pack", TestServer.basic("demo", "demo")).statusCode()).isEqualTo(404);

        // A reader clones, but cannot push.
        try (Git git = GitClient.cloneWithJgit(s, dir("reader"), "reader", "reader")) {
            commit(git, "by-reader.txt", "no\n", "reader tries", Instant.now());
            String head = s.head();
            try {
                RemoteRefUpdate.Status st = push(git, "reader", "reader", false);
                assertThat(st).isNotEqualTo(RemoteRefUpdate.Status.OK);
            } catch (org.eclipse.jgit.api.errors.TransportException e) {
                assertThat(e.getMessage()).containsAnyOf("403", "not authorized", "Forbidden", "not permitted");
            }
            assertThat(s.head()).isEqualTo(head);
        }
    }
}
