package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.TestServer;

/**
 * A full disk (issue 12), on a real small file system (tmpfs, mounted for the test; CI runs as root):
 * a write answers 507 and keeps nothing, reads go on, writes work again once space is freed without a
 * restart, and the log is never left with a torn record that would hide later ones.
 */
class FullDiskTest {
    @TempDir
    Path tmp;
    private Path mnt;
    private boolean mounted;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        mounted = p.waitFor() == 0;
        assumeThat(mounted).as("mounting a tmpfs needs root (CI has it): " + new String(p.getInputStream().readAllBytes())).isTrue();
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    /** Fills the file system up; returns the filler to delete later. */
    private static Path fill(Path dir) throws IOException {
        Path filler = dir.resolve("filler");
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left on device");
        }
        return filler;
    }

    /**
     * A record that could not be written whole (ENOSPC in the middle of it) is cut off again, so the records
     * appended once there is room are found after it: the log never hides an acknowledged record behind a
     * torn one (issue 12: three of three runs rolled acknowledged commits back that way).
     */
    @Test
    void aFailedAppendLeavesTheLogAsItWasAndLaterRecordsAreRead() throws Exception {
        Path dir = mnt.resolve("log");
        org.eclipse.jgit.lib.ObjectId a = org.eclipse.jgit.lib.ObjectId.fromString("1111111111111111111111111111111111111111");
        org.eclipse.jgit.lib.ObjectId b = org.eclipse.jgit.lib.ObjectId.fromString("2222222222222222222222222222222222222222");
        org.eclipse.jgit.lib.ObjectId c = org.eclipse.jgit.lib.ObjectId.fromString("3333333333333333333333333333333333333333");
        try (dev.davit.storage.log.CommitLog log = new dev.davit.storage.log.CommitLog(dir, true, "test", System::nanoTime)) {
            log.append(new dev.davit.storage.log.CommitLog.Record("refs/heads/main", null, a, java.util.List.of()));
            Path filler = fill(mnt);
            byte[] noise = new byte[512 * 1024];
            new java.util.Random(3).nextBytes(noise);
            dev.davit.storage.objects.NewObject big = new dev.davit.storage.objects.NewObject(
                    new org.eclipse.jgit.lib.ObjectInserter.Formatter().idFor(org.eclipse.jgit.lib.Constants.OBJ_BLOB, noise),
                    org.eclipse.jgit.lib.Constants.OBJ_BLOB, noise);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(
                            new dev.davit.storage.log.CommitLog.Record("refs/heads/main", a, b, java.util.List.of(big))))
                    .isInstanceOf(dev.davit.storage.disk.NoSpaceException.class);
            Files.delete(filler);
            log.append(new dev.davit.storage.log.CommitLog.Record("refs/heads/main", a, c, java.util.List.of()));
        }
        assertThat(dev.davit.storage.log.CommitLog.readAll(dir))
                .extracting(dev.davit.storage.log.CommitLog.Record::newHead).containsExactly(a, c);
    }

    /**
     * After a crash on a full disk the server starts (opening writes nothing: the log is replayed into
     * memory), reads work, writes answer 507 until there is room, and then everything reaches the disk.
     */
    @Test
    void aRepositoryWhoseLogTheDiskHasNotCaughtUpWithOpensOnAFullDisk() throws Exception {
        dev.davit.storage.Identity who = new dev.davit.storage.Identity("Alice", "alice@example.org");
        Path data = mnt.resolve("data");
        Path copy = tmp.resolve("copy");
        java.util.concurrent.ScheduledThreadPoolExecutor frozen = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        java.util.concurrent.CountDownLatch thaw = new java.util.concurrent.CountDownLatch(1);
        frozen.execute(() -> {
            try {
                thaw.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (dev.davit.storage.Repositories repos = new dev.davit.storage.Repositories(data, true, 0, frozen, System::nanoTime)) {
            dev.davit.storage.GitRepository r = repos.createIfMissing("o", "r", null, who);
            write(r, who, "a.txt", "logged only");
            copyTree(data, copy); // the crash: the disk has the log, not the objects
            thaw.countDown();
        }
        // The same bytes back on the small file system, which is then full.
        try (java.util.stream.Stream<Path> all = Files.walk(data)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
        copyTree(copy, data);
        Path filler = fill(mnt);
        try (dev.davit.storage.Repositories again = new dev.davit.storage.Repositories(data, true)) {
            dev.davit.storage.GitRepository r = again.open("o", "r");
            try (dev.davit.storage.Snapshot s = r.head()) {
                assertThat(s.lookup(dev.davit.storage.RepoPath.parse("a.txt"))).isPresent();
            }
            byte[] noise = new byte[192 * 1024];
            new java.util.Random(7).nextBytes(noise);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> write(r, who, "b.txt", java.util.Base64.getEncoder().encodeToString(noise)))
                    .isInstanceOf(dev.davit.storage.disk.NoSpaceException.class);
            Files.delete(filler);
            write(r, who, "b.txt", "room again");
            r.applyToDisk();
            try (org.eclipse.jgit.lib.Repository disk = new org.eclipse.jgit.storage.file.FileRepositoryBuilder()
                    .setGitDir(data.resolve("o/r.git").toFile()).setBare().build()) {
                assertThat(disk.resolve("refs/heads/main:a.txt")).isNotNull();
                assertThat(disk.resolve("refs/heads/main:b.txt")).isNotNull();
            }
        }
    }

    private static void write(dev.davit.storage.GitRepository r, dev.davit.storage.Identity who, String path, String content) throws Exception {
        byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.eclipse.jgit.lib.ObjectId blob = r.insertBlob(new java.io.ByteArrayInputStream(bytes), bytes.length);
        r.write(who, "PUT " + path, edit -> {
            edit.putFile(dev.davit.storage.RepoPath.parse(path), blob);
            return null;
        });
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path q : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(q).toString());
                if (Files.isDirectory(q)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(q, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void aFullDiskAnswers507KeepsNothingAndWritesWorkAgainOnceSpaceIsFreed() throws Exception {
        try (TestServer s = TestServer.start(mnt, Map.of("storage.durable", "true"))) {
            HttpResponse<String> first = s.put("before.txt", "before");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
            String revision = first.headers().firstValue("X-Revision").orElseThrow();

            Path filler = fill(mnt);
            // Incompressible: the record must need new pages (a few bytes may still fit in the log's last page).
            byte[] noise = new byte[192 * 1024];
            new java.util.Random(12).nextBytes(noise);
            String big = java.util.Base64.getEncoder().encodeToString(noise);
            HttpResponse<String> refused = s.put("big.txt", big);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(507);
            assertThat(refused.body()).contains("disk is full");
            java.net.http.HttpRequest apiPut = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            s.server.baseUrl() + "api/repos/demo/sample/contents/api.txt"))
                    .header("Authorization", TestServer.basic(TestServer.USER, TestServer.PASSWORD))
                    .header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"message\":\"m\",\"content\":\""
                            + java.util.Base64.getEncoder().encodeToString(big.getBytes()) + "\"}"))
                    .build();
            HttpResponse<String> api = s.http.send(apiPut, HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).as(api.body()).isEqualTo(507);

            HttpResponse<String> read = s.get("before.txt");
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(read.body()).isEqualTo("before");
            assertThat(read.headers().firstValue("X-Revision")).contains(revision);
            assertThat(s.get("big.txt").statusCode()).isEqualTo(404);

            Files.delete(filler);
            HttpResponse<String> again = s.put("big.txt", big);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
            assertThat(s.get("big.txt").body()).isEqualTo(big);
            assertThat(s.commitMessages()).startsWith("PUT big.txt", "PUT before.txt");
        }
    }
}
