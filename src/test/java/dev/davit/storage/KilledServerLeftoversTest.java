package dev.davit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After kill -9 in the middle of a ref update the next start must write without manual repair. */
class KilledServerLeftoversTest {
    @TempDir
    Path tmp;

    @Test
    void aStaleBranchLockFromAKilledProcessIsRemovedOnOpen() throws Exception {
        Identity me = new Identity("t", "t@localhost");
        try (Repositories repos = new Repositories(tmp, false)) {
            GitRepository r = repos.createIfMissing("o", "r", null, me);
            byte[] one = "one".getBytes();
            r.write(me, "first", edit -> {
                edit.putFile(RepoPath.parse("a.txt"), r.insertBlob(new ByteArrayInputStream(one), one.length));
                return null;
            });
        }
        Path gitDir = tmp.resolve("o").resolve("r.git");
        // What a process killed between creating and renaming the lock leaves behind.
        Files.writeString(gitDir.resolve("refs/heads/main.lock"), "0123456789012345678901234567890123456789\n");
        Files.writeString(gitDir.resolve("config.lock"), "");

        try (Repositories repos = new Repositories(tmp, false)) {
            GitRepository r = repos.open("o", "r");
            byte[] two = "two".getBytes();
            WriteResult<Void> w = r.write(me, "second", edit -> {
                edit.putFile(RepoPath.parse("b.txt"), r.insertBlob(new ByteArrayInputStream(two), two.length));
                return null;
            });
            assertThat(w.committed()).isTrue();
        }
        assertThat(gitDir.resolve("refs/heads/main.lock")).doesNotExist();
        assertThat(gitDir.resolve("config.lock")).doesNotExist();
    }
}
