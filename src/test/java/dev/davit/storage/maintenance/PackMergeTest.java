package dev.davit.storage.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merging the disk writer's small packs: geometric, every object kept (issue 12). */
class PackMergeTest {
    @TempDir
    Path tmp;

    private static ObjectId pack(FileRepository repo, byte[] content) throws Exception {
        try (PackInserter ins = repo.getObjectDatabase().newPackInserter()) {
            ObjectId id = ins.insert(Constants.OBJ_BLOB, content);
            ins.flush();
            return id;
        }
    }

    private static String base(Pack p) {
        return p.getPackFile().getName().replaceFirst("\\.pack$", "");
    }

    @Test
    void aPackAMergeMadeIsNotRewrittenWithEveryNewSmallOneAndNoObjectIsLost() throws Exception {
        try (FileRepository repo = (FileRepository) new FileRepositoryBuilder().setGitDir(tmp.resolve("r.git").toFile())
                .setBare().build()) {
            repo.create(true);
            Random random = new Random(5);
            byte[] big = new byte[512 * 1024];
            random.nextBytes(big);
            ObjectId bigId = pack(repo, big); // a pack an earlier merge made, large next to the new ones
            List<ObjectId> small = new ArrayList<>();
            for (int i = 0; i < PackMerge.MIN_PACKS; i++) {
                byte[] b = new byte[300];
                random.nextBytes(b);
                small.add(pack(repo, b));
            }
            String bigPack = null;
            for (Pack p : repo.getObjectDatabase().getPacks()) {
                if (p.hasObject(bigId)) {
                    bigPack = base(p);
                }
            }
            PackMerge.Replaced replaced = new PackMerge.Replaced();
            int merged = PackMerge.mergeIfMany(repo, new PackConfig(repo), replaced, 0);

            assertThat(merged).as("the small packs are merged").isEqualTo(PackMerge.MIN_PACKS);
            assertThat(replaced.contains(bigPack)).as("the large pack is left as it is").isFalse();
            repo.getObjectDatabase().getPacks();
            try (var reader = repo.newObjectReader()) {
                assertThat(reader.has(bigId)).isTrue();
                for (ObjectId id : small) {
                    assertThat(reader.has(id)).as(id.name()).isTrue();
                }
            }
            // Replaced packs go only after their grace; then every object is still there.
            PackMerge.deleteExpired(repo.getObjectDatabase().getPackDirectory().toPath(), replaced, PackMerge.GRACE_NANOS + 1);
            repo.getObjectDatabase().getPacks();
            try (var reader = repo.newObjectReader()) {
                for (ObjectId id : small) {
                    assertThat(reader.has(id)).as(id.name() + " after the replaced packs went").isTrue();
                }
                assertThat(reader.has(bigId)).isTrue();
            }
        }
    }
}
