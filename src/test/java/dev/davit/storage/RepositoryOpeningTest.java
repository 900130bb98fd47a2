package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a repository (log replay, index catch-up) must not hold up requests to other repositories. The
 * opening of {@code o/slow} is held by making its stored index a FIFO that nobody writes yet: reading it
 * blocks until the test writes to it.
 */
class RepositoryOpeningTest {
    @TempDir
    Path tmp;

    @Test
    void aRepositoryBeingOpenedDoesNotBlockTheOpeningOfAnother() throws Exception {
        Path data = tmp.resolve("data");
        try (Repositories r = new Repositories(data, false)) {
            r.createIfMissing("o", "slow", null, ALICE);
            r.createIfMissing("o", "fast", null, ALICE);
        }
        Path fifo = data.resolve("o/slow.git/davit-lastmodified");
        Files.deleteIfExists(fifo);
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mk.waitFor() == 0, "mkfifo is needed for this test");

        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Repositories r = new Repositories(data, false)) {
            CompletableFuture<GitRepository> slow = CompletableFuture.supplyAsync(() -> open(r, "slow"), pool);
            CompletableFuture<GitRepository> slowAgain = CompletableFuture.supplyAsync(() -> open(r, "slow"), pool);
            // "fast" opens while "slow" is stuck in its opening (with one global lock this would wait forever)
            GitRepository fast = CompletableFuture.supplyAsync(() -> open(r, "fast"), pool).get(30, TimeUnit.SECONDS);
            assertThat(fast.name()).isEqualTo("fast");
            assertThat(slow).isNotDone();
            assertThat(slowAgain).isNotDone();
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write("not an index".getBytes()); // a foreign file: ignored, the index is rebuilt
            }
            GitRepository opened = slow.get(30, TimeUnit.SECONDS);
            // the second request waited for the same opening instead of opening the repository twice
            assertThat(slowAgain.get(30, TimeUnit.SECONDS)).isSameAs(opened);
            assertThat(r.open("o", "slow")).isSameAs(opened);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A repository being created while a request opens it (a cluster node's first replicated write making a
     * sync client's home while that client's request arrives): the opening waits for the creation, and neither
     * fails on the other's {@code config.lock}. Before, the opening could see the new HEAD before the settings
     * were saved, save them at the same time, and one of the two failed.
     */
    @Test
    void aRepositoryOpenedWhileItIsCreatedOpensAndTheCreationSucceeds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Repositories r = new Repositories(tmp.resolve("data"), false)) {
            for (int i = 0; i < 60; i++) {
                String name = "home" + i;
                CompletableFuture<GitRepository> opener = CompletableFuture.supplyAsync(() -> {
                    while (true) {
                        try {
                            return r.open("o", name);
                        } catch (NotFoundException notYet) {
                            Thread.onSpinWait();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }, pool);
                GitRepository created = r.createIfMissing("o", name, null, ALICE);
                assertThat(opener.get(30, TimeUnit.SECONDS)).as(name).isSameAs(created);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static GitRepository open(Repositories r, String name) {
        try {
            return r.open("o", name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
