package dev.davit.storage;

import dev.davit.storage.objects.ParsedTrees;
import dev.davit.storage.objects.RawTree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ParsedTrees} on trees of a real repository: a hit is the same parse, the budget holds, a huge tree is not kept. */
class ParsedTreesTest {
    @TempDir
    Path dir;

    @Test
    void keepsTheLastTreesWithinItsBudgetAndFindsTheirEntries() throws Exception {
        try (Repository repo = FileRepositoryBuilder.create(dir.resolve("r.git").toFile())) {
            repo.create(true);
            List<ObjectId> trees = new ArrayList<>();
            ObjectId blob;
            try (ObjectInserter ins = repo.newObjectInserter()) {
                blob = ins.insert(Constants.OBJ_BLOB, "x".getBytes(StandardCharsets.UTF_8));
                for (int t = 0; t < 20; t++) {
                    TreeFormatter f = new TreeFormatter();
                    for (int i = 0; i < 100; i++) {
                        f.append(String.format("t%02d-f%03d", t, i), FileMode.REGULAR_FILE, blob);
                    }
                    trees.add(ins.insert(f));
                }
                ins.flush();
            }
            // each tree 3.6 KB of bytes + 1.2 KB of index: a budget of ~8 trees
            ParsedTrees parsed = new ParsedTrees(40_000);
            try (ObjectReader reader = repo.newObjectReader()) {
                RawTree first = parsed.get(reader, trees.get(0));
                assertThat(parsed.get(reader, trees.get(0))).as("a hit is the same parse").isSameAs(first);
                assertThat(first.lookup("t00-f042".getBytes(StandardCharsets.UTF_8)).id()).isEqualTo(blob);
                assertThat(first.lookup("t00-f100".getBytes(StandardCharsets.UTF_8))).isNull();
                for (ObjectId t : trees) {
                    parsed.get(reader, t);
                }
                assertThat(parsed.get(reader, trees.get(0))).as("pushed out by the 19 after it").isNotSameAs(first);
                RawTree last = parsed.get(reader, trees.get(19));
                assertThat(parsed.get(reader, trees.get(19))).isSameAs(last);

                ParsedTrees small = new ParsedTrees(4_000);
                RawTree huge = small.get(reader, trees.get(1));
                assertThat(small.get(reader, trees.get(1))).as("over a quarter of the budget: not kept").isNotSameAs(huge);
            }
        }
    }
}
