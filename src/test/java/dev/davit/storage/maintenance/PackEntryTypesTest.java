package dev.davit.storage.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The types of a pack's objects read from their headers, as {@link PackMerge} does instead of inflating each
 * object (issue 12): the same as JGit's for every object of packs git made with deltas by offset and by id.
 */
class PackEntryTypesTest {
    @TempDir
    Path tmp;

    @Test
    void everyObjectsTypeIsJGitsWithDeltasByOffsetAndById() throws Exception {
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        git(work, "init", "-q", "-b", "main");
        StringBuilder text = new StringBuilder();
        for (int c = 0; c < 40; c++) {
            for (int i = 0; i < 50; i++) {
                text.append("line ").append(c).append(' ').append(i).append(" of a file that grows\n");
            }
            Files.writeString(work.resolve("grows.txt"), text);
            Files.createDirectories(work.resolve("d" + c % 3));
            Files.writeString(work.resolve("d" + c % 3).resolve("f" + c + ".txt"), "file " + c);
            git(work, "add", "-A");
            git(work, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "commit " + c);
            if (c == 20) {
                git(work, "tag", "-a", "-m", "a tag", "v1");
            }
        }
        for (boolean byOffset : new boolean[] {true, false}) {
            git(work, "-c", "repack.useDeltaBaseOffset=" + byOffset, "repack", "-a", "-d", "-f", "-q");
            try (FileRepository repo = (FileRepository) new FileRepositoryBuilder().setGitDir(work.resolve(".git").toFile()).build();
                 ObjectReader reader = repo.newObjectReader()) {
                List<Pack> packs = new ArrayList<>(repo.getObjectDatabase().getPacks());
                assertThat(packs).hasSize(1);
                Pack pack = packs.get(0);
                PackIndex idx = pack.getIndex();
                PackEntryTypes types = PackEntryTypes.of(pack.getPackFile().toPath(), idx);
                int[] seen = new int[8];
                for (PackIndex.MutableEntry e : idx) {
                    int type = types.typeAt(e.getOffset());
                    assertThat(type).as("%s (deltas by %s)", e.name(), byOffset ? "offset" : "id")
                            .isEqualTo(reader.open(e.toObjectId()).getType());
                    seen[type]++;
                }
                assertThat(seen[Constants.OBJ_COMMIT]).isEqualTo(40);
                assertThat(seen[Constants.OBJ_TAG]).isEqualTo(1);
                assertThat(seen[Constants.OBJ_TREE]).isGreaterThan(40);
                assertThat(seen[Constants.OBJ_BLOB]).isGreaterThan(40);
                String verify = git(work, "verify-pack", "-v", pack.getPackFile().getPath().replaceFirst("\\.pack$", ".idx"));
                assertThat(verify).as("the pack has delta chains").contains("chain length = 1:");
            }
        }
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        dev.davit.testutil.GitClient.Run run = dev.davit.testutil.GitClient.git(dir, args);
        assertThat(run.exit()).as("git %s:\n%s", String.join(" ", args), run.output()).isZero();
        return run.output();
    }
}
