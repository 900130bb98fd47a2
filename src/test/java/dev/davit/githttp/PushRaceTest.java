package dev.davit.githttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.TestServer;

/**
 * WebDAV writes racing git pushes: whoever loses the branch's compare-and-swap re-applies (WebDAV) or is
 * refused and fetches again (git); in the end every write and every pushed commit is on main.
 */
class PushRaceTest {
    @TempDir
    Path tmp;

    @Test
    void neitherSideLosesAWrite() throws Exception {
        try (TestServer s = TestServer.start(tmp)) {
            int rounds = 15;
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<List<Integer>> dav = pool.submit(() -> {
                List<Integer> codes = new ArrayList<>();
                for (int i = 0; i < rounds * 2; i++) {
                    codes.add(s.put("dav-" + i + ".txt", "dav " + i + "\n").statusCode());
                }
                return codes;
            });
            Future<Integer> git = pool.submit(() -> {
                int refusals = 0;
                try (Git g = GitClient.cloneWithJgit(s, tmp.resolve("racer"), "demo", "demo")) {
                    for (int i = 0; i < rounds; i++) {
                        Path f = g.getRepository().getWorkTree().toPath().resolve("git-" + i + ".txt");
                        Files.writeString(f, "git " + i + "\n");
                        g.add().addFilepattern("git-" + i + ".txt").call();
                        g.commit().setMessage("git " + i).call();
                        while (true) {
                            PushResult r = g.push().setCredentialsProvider(GitClient.credentials("demo", "demo")).call().iterator().next();
                            if (r.getRemoteUpdate("refs/heads/main").getStatus() == RemoteRefUpdate.Status.OK) {
                                break;
                            }
                            refusals++; // stale: fetch the WebDAV commits and put ours on top, as a git user would
                            assertThat(g.pull().setRebase(true).setCredentialsProvider(GitClient.credentials("demo", "demo"))
                                    .call().isSuccessful()).isTrue();
                        }
                    }
                }
                return refusals;
            });
            assertThat(dav.get()).allMatch(c -> c == 201);
            int refusals = git.get();
            pool.shutdown();
            for (int i = 0; i < rounds * 2; i++) {
                assertThat(s.get("dav-" + i + ".txt").body()).isEqualTo("dav " + i + "\n");
            }
            for (int i = 0; i < rounds; i++) {
                assertThat(s.get("git-" + i + ".txt").body()).isEqualTo("git " + i + "\n");
            }
            // The import, every PUT and every pushed commit, each once.
            assertThat(s.commitCount()).isEqualTo(1 + rounds * 2 + rounds);
            System.out.println("push race: " + refusals + " stale pushes refused and retried");
        }
    }
}
