package dev.davit.githttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.GitClient.Run;
import dev.davit.testutil.TestServer;

/** The {@code git} command itself over smart HTTP: clone, commit, push, pull, and a refused push. */
class GitCommandTest {
    @TempDir
    static Path tmp;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static Run ok(Run r) {
        assertThat(r.exit()).as(r.output()).isZero();
        return r;
    }

    @Test
    void cloneCommitPushThenPullAWebDavWrite() throws Exception {
        Path work = tmp.resolve("cli");
        ok(GitClient.git(tmp, "clone", GitClient.urlWithCredentials(s, "demo", "demo"), work.toString()));
        assertThat(work.resolve("README.md")).hasContent("# sample");

        Files.writeString(work.resolve("from-git.txt"), "pushed by git\n");
        ok(GitClient.git(work, "add", "from-git.txt"));
        ok(GitClient.git(work, "commit", "-m", "Add from-git.txt"));
        ok(GitClient.git(work, "push", "origin", "main"));
        String local = ok(GitClient.git(work, "rev-parse", "HEAD")).output().trim();

        HttpResponse<String> r = s.get("from-git.txt");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("pushed by git\n");
        assertThat(r.headers().firstValue("X-Revision")).hasValue(local);
        assertThat(s.commitMessages().get(0)).isEqualTo("Add from-git.txt");

        assertThat(s.put("from-dav.txt", "written over WebDAV\n").statusCode()).isEqualTo(201);
        ok(GitClient.git(work, "pull", "--ff-only", "origin", "main"));
        assertThat(work.resolve("from-dav.txt")).hasContent("written over WebDAV");
        assertThat(ok(GitClient.git(work, "rev-parse", "HEAD")).output().trim()).isEqualTo(s.head());
    }

    @Test
    void aStalePushIsRefusedAsGitRefusesIt() throws Exception {
        Path work = tmp.resolve("stale");
        ok(GitClient.git(tmp, "clone", GitClient.urlWithCredentials(s, "demo", "demo"), work.toString()));
        assertThat(s.put("server-moved.txt", "x\n").statusCode()).isEqualTo(201);
        String head = s.head();
        Files.writeString(work.resolve("late.txt"), "late\n");
        ok(GitClient.git(work, "add", "late.txt"));
        ok(GitClient.git(work, "commit", "-m", "late"));

        Run plain = GitClient.git(work, "push", "origin", "main");
        assertThat(plain.exit()).isNotZero();
        assertThat(plain.output()).contains("rejected");
        Run forced = GitClient.git(work, "push", "--force", "origin", "main");
        assertThat(forced.exit()).isNotZero();
        assertThat(forced.output()).contains("non-fast-forward");
        assertThat(s.head()).isEqualTo(head);
    }

    @Test
    void withoutCredentialsCloneFails() throws Exception {
        Run r = GitClient.git(tmp, "clone", GitClient.url(s), tmp.resolve("anon").toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).containsAnyOf("Authentication failed", "could not read Username", "401");
    }
}
