package dev.davit.storage;

import dev.davit.storage.maintenance.Maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.GitClient;
import dev.davit.testutil.TestServer;

/**
 * Background repacking (storage.gc.commits): after N commits the objects end up packed while writers go on,
 * and git fsck stays clean.
 */
class BackgroundGcTest {
    @TempDir
    Path tmp;

    static long looseObjects(Path bare) throws IOException {
        try (Stream<Path> dirs = Files.list(bare.resolve("objects"))) {
            long n = 0;
            for (Path d : dirs.filter(p -> p.getFileName().toString().matches("[0-9a-f]{2}")).toList()) {
                try (Stream<Path> f = Files.list(d)) {
                    n += f.count();
                }
            }
            return n;
        }
    }

    static long packs(Path bare) throws IOException {
        try (Stream<Path> f = Files.list(bare.resolve("objects/pack"))) {
            return f.filter(p -> p.toString().endsWith(".pack")).count();
        }
    }

    @Test
    void writesGetPackedInTheBackgroundAndFsckStaysClean() throws Exception {
        try (TestServer s = TestServer.start(tmp, Map.of("storage.gc.commits", "40"))) {
            assertThat(s.send("MKCOL", "gc/", null).statusCode()).isEqualTo(201);
            int writers = 4;
            int each = 40;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                results.add(pool.submit(() -> {
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        statuses.add(s.put("gc/w" + id + "-" + i + ".txt", "writer " + id + " write " + i + "\n").statusCode());
                    }
                    return statuses;
                }));
            }
            for (Future<List<Integer>> f : results) {
                assertThat(f.get()).allMatch(c -> c == 201);
            }
            pool.shutdown();
            // 161 commits from four writers at once: repacks ran while they wrote, at most one queued at a time.
            long deadline = System.currentTimeMillis() + 30_000;
            Maintenance m = s.server.repositories().maintenance();
            while (m.runs() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(m.runs()).isGreaterThanOrEqualTo(1);
            // A final repack on the caller's thread, so the count below does not race the background one.
            m.run(s.server.repositories().open("demo", "sample"));
            Path bare = s.bareRepository();
            assertThat(packs(bare)).isGreaterThanOrEqualTo(1);
            assertThat(looseObjects(bare)).isLessThan(10);
            GitClient.Run fsck = GitClient.git(bare, "-c", "safe.directory=*", "fsck", "--full", "--strict");
            assertThat(fsck.exit()).as(fsck.output()).isZero();
            assertThat(fsck.output()).doesNotContain("error", "missing", "broken");
            assertThat(s.get("gc/w3-39.txt").body()).isEqualTo("writer 3 write 39\n");
        }
    }
}
