package dev.davit.storage;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the lean GET path reads: the head's small files, as a snapshot shows them, until the head moves. */
class HeadFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aSmallFileIsWhatTheHeadSnapshotShows() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("docs");
            f.put("docs/a.txt", "alpha");
            HeadFiles.HeadFile a = f.repo.headFiles().get(p("docs/a.txt")).orElseThrow();
            try (Snapshot s = f.repo.head()) {
                Entry e = s.lookup(p("docs/a.txt")).orElseThrow();
                assertThat(a.revision()).isEqualTo(s.revision());
                assertThat(a.blob()).isEqualTo(e.id());
                assertThat(a.size()).isEqualTo(5);
                assertThat(a.modified()).isEqualTo(s.times(e).modified());
            }
            assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("alpha");
            assertThat(f.repo.headFiles().get(p("docs/a.txt")).orElseThrow()).as("remembered").isSameAs(a);
            assertThat(f.repo.headFiles().get(p("docs"))).as("a folder").isEmpty();
            assertThat(f.repo.headFiles().get(p("docs/missing.txt"))).isEmpty();
            assertThat(f.repo.headFiles().get(RepoPath.ROOT)).isEmpty();
        }
    }

    @Test
    void aNewHeadIsReadAgain() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "one");
            HeadFiles.HeadFile first = f.repo.headFiles().get(p("a.txt")).orElseThrow();
            f.put("a.txt", "two!");
            HeadFiles.HeadFile second = f.repo.headFiles().get(p("a.txt")).orElseThrow();
            assertThat(second.revision()).isEqualTo(f.repo.headId()).isNotEqualTo(first.revision());
            assertThat(new String(second.body(), StandardCharsets.UTF_8)).isEqualTo("two!");
            f.delete("a.txt");
            assertThat(f.repo.headFiles().get(p("a.txt"))).isEmpty();
        }
    }

    @Test
    void aLargeFileIsLeftToTheFullReadPath() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("big.bin", "x".repeat(HeadFiles.MAX_BODY + 1));
            f.put("edge.bin", "x".repeat(HeadFiles.MAX_BODY));
            assertThat(f.repo.headFiles().get(p("big.bin"))).isEmpty();
            assertThat(f.repo.headFiles().get(p("edge.bin"))).isPresent();
        }
    }

    @Test
    void whatIsRememberedStaysWithinItsCountAndBytes() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            int many = HeadFiles.MAX_FILES + 10;
            List<ObjectId> small = commitFiles(f, "s", many, 4);
            for (int i = 0; i < many; i++) {
                assertThat(f.repo.headFiles().get(p("s" + i + ".bin"))).map(HeadFiles.HeadFile::blob).contains(small.get(i));
                assertThat(f.repo.headFiles().remembered()).isLessThanOrEqualTo(HeadFiles.MAX_FILES);
            }
            int fit = (int) (HeadFiles.MAX_BYTES / HeadFiles.MAX_BODY);
            List<ObjectId> large = commitFiles(f, "l", fit + 10, HeadFiles.MAX_BODY);
            for (int i = 0; i < fit + 10; i++) {
                assertThat(f.repo.headFiles().get(p("l" + i + ".bin"))).map(HeadFiles.HeadFile::blob).contains(large.get(i));
                assertThat(f.repo.headFiles().remembered()).isLessThanOrEqualTo(fit);
            }
        }
    }

    /** {@code n} distinct files of {@code size} bytes named PREFIX{i}.bin, in one commit. */
    private static List<ObjectId> commitFiles(StorageFixture f, String prefix, int n, int size) throws Exception {
        List<ObjectId> ids = new ArrayList<>();
        byte[] body = new byte[size];
        for (int i = 0; i < n; i++) {
            body[0] = (byte) i;
            body[1] = (byte) (i >> 8);
            ids.add(f.repo.insertBlob(new ByteArrayInputStream(body), body.length));
        }
        f.repo.write(ALICE, "files " + prefix, edit -> {
            for (int i = 0; i < n; i++) {
                edit.putFile(p(prefix + i + ".bin"), ids.get(i));
            }
            return null;
        });
        return ids;
    }
}
