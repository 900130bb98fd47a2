package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a start must never do: seed a repository again over its history when its branch is lost, or run
 * beside another server on the same data directory (issue 12).
 */
class StartupSafetyTest {
    @TempDir
    Path tmp;

    private static ObjectId put(GitRepository r, String path, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ObjectId blob = r.insertBlob(new ByteArrayInputStream(bytes), bytes.length);
        return r.write(ALICE, "PUT " + path, edit -> {
            edit.putFile(p(path), blob);
            return null;
        }).revision();
    }

    private Path makeRepository(Path data) throws Exception {
        Path sample = tmp.resolve("sample");
        Files.createDirectories(sample);
        Files.writeString(sample.resolve("seed.txt"), "seed\n");
        try (Repositories repos = new Repositories(data, true)) {
            GitRepository r = repos.createIfMissing("o", "r", sample, ALICE);
            put(r, "a.txt", "history");
        }
        return sample;
    }

    @Test
    void aLostBranchWithHistoryOnDiskRefusesToOpenInsteadOfSeedingAgain() throws Exception {
        Path data = tmp.resolve("data");
        Path sample = makeRepository(data);
        Files.delete(data.resolve("o/r.git/refs/heads/main"));
        try (Repositories repos = new Repositories(data, true)) {
            assertThatThrownBy(() -> repos.createIfMissing("o", "r", sample, ALICE))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("o/r").hasMessageContaining("refs/heads/main is missing")
                    .hasMessageContaining("refusing to open");
        }
        try (Repository r = new FileRepositoryBuilder().setGitDir(data.resolve("o/r.git").toFile()).setBare().build()) {
            assertThat(r.exactRef("refs/heads/main")).as("nothing was imported over the history").isNull();
        }
    }

    @Test
    void anEmptyBranchFileIsRecoveredFromPackedRefs() throws Exception {
        Path data = tmp.resolve("data");
        makeRepository(data);
        Path gitDir = data.resolve("o/r.git");
        String head = Files.readString(gitDir.resolve("refs/heads/main")).trim();
        Files.writeString(gitDir.resolve("packed-refs"), "# pack-refs with: peeled fully-peeled sorted \n" + head + " refs/heads/main\n");
        Files.writeString(gitDir.resolve("refs/heads/main"), ""); // the loose file emptied by a crash
        try (Repositories repos = new Repositories(data, true)) {
            GitRepository r = repos.open("o", "r");
            assertThat(r.headId()).isEqualTo(ObjectId.fromString(head));
            put(r, "b.txt", "goes on");
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryRefusesToStartAndTouchesNothing() throws Exception {
        Path data = tmp.resolve("data");
        makeRepository(data);
        try (Repositories first = new Repositories(data, true)) {
            GitRepository r = first.open("o", "r");
            put(r, "c.txt", "first server");
            assertThatThrownBy(() -> new Repositories(data, true))
                    .isInstanceOf(IOException.class).hasMessageContaining("in use by another Davit server");
            put(r, "d.txt", "still first"); // its log and files were left alone
            try (Snapshot s = r.head()) {
                assertThat(StorageFixture.read(s, "c.txt")).isEqualTo("first server");
            }
        }
        try (Repositories again = new Repositories(data, true)) {
            try (Snapshot s = again.open("o", "r").head()) {
                assertThat(StorageFixture.read(s, "d.txt")).isEqualTo("still first");
            }
        }
    }
}
