package dev.davit.githttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.GitClient.Run;
import dev.davit.testutil.TestServer;

/**
 * {@code limits.repository.bytes} holds for the {@code git} command's pushes as for WebDAV and REST writes
 * (issue 13): a push that would make {@code main}'s files larger than the limit is refused with a message
 * naming it, and moves no ref; one within it goes through. The sample holds 17 bytes of files.
 */
class RepositorySizeLimitPushTest {
    @TempDir
    Path tmp;
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp, Map.of("limits.repository.bytes", "100"));
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private static Run ok(Run r) {
        assertThat(r.exit()).as(r.output()).isZero();
        return r;
    }

    private static void commit(Path work, String file, String content) throws Exception {
        Files.writeString(work.resolve(file), content);
        ok(GitClient.git(work, "add", file));
        ok(GitClient.git(work, "commit", "-m", "add " + file));
    }

    @Test
    void aPushPastTheLimitIsRefusedAndMovesNothing() throws Exception {
        Path work = tmp.resolve("cli");
        ok(GitClient.git(tmp, "clone", GitClient.urlWithCredentials(s, "demo", "demo"), work.toString()));
        String head = s.head();
        commit(work, "big.txt", "x".repeat(84));

        Run refused = GitClient.git(work, "push", "origin", "main");
        assertThat(refused.exit()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("remote rejected").contains("over its limit of 100")
                .contains("limits.repository.bytes");
        assertThat(s.head()).isEqualTo(head);
        assertThat(s.get("big.txt").statusCode()).isEqualTo(404);

        ok(GitClient.git(work, "reset", "--hard", "origin/main"));
        commit(work, "fits.txt", "z".repeat(83));
        ok(GitClient.git(work, "push", "origin", "main"));
        assertThat(s.get("fits.txt").statusCode()).isEqualTo(200);
    }
}
