package dev.davit.storage.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.pack.BinaryDelta;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk writer's deltas between versions of a folder, made without JGit's delta search (issue 12: that
 * search was a quarter of the server's CPU under PUTs into a large folder): correct git deltas, chains no
 * deeper than git's, no cycle, and a pack JGit's writer makes of them that git reads and checks.
 */
class KnownDeltasTest {
    @TempDir
    Path tmp;

    @Test
    void aDeltaRebuildsTheTargetWhereverTheVersionsDiffer() throws Exception {
        Random random = new Random(12);
        for (int round = 0; round < 300; round++) {
            byte[] base = new byte[random.nextInt(20_000)];
            random.nextBytes(base);
            byte[] target = edited(base, random);
            byte[] delta = KnownDeltas.delta(base, target);
            assertThat(BinaryDelta.apply(base, delta)).as("round %d: %d -> %d bytes", round, base.length, target.length)
                    .isEqualTo(target);
        }
        byte[] same = "unchanged".getBytes(StandardCharsets.UTF_8);
        assertThat(BinaryDelta.apply(same, KnownDeltas.delta(same, same.clone()))).isEqualTo(same);
        assertThat(BinaryDelta.apply(same, KnownDeltas.delta(same, new byte[0]))).isEmpty();
        assertThat(BinaryDelta.apply(new byte[0], KnownDeltas.delta(new byte[0], same))).isEqualTo(same);
    }

    /** An insertion, a removal or a replacement somewhere (start, middle, end), sometimes two far apart. */
    private static byte[] edited(byte[] base, Random random) {
        byte[] out = base;
        int edits = 1 + random.nextInt(2);
        for (int e = 0; e < edits; e++) {
            int at = out.length == 0 ? 0 : random.nextInt(out.length + 1);
            int removed = Math.min(out.length - at, random.nextInt(3) == 0 ? random.nextInt(100) : 0);
            byte[] inserted = new byte[random.nextInt(3) == 1 ? 0 : random.nextInt(200)];
            random.nextBytes(inserted);
            byte[] next = new byte[out.length - removed + inserted.length];
            System.arraycopy(out, 0, next, 0, at);
            System.arraycopy(inserted, 0, next, at, inserted.length);
            System.arraycopy(out, at + removed, next, at + inserted.length, out.length - at - removed);
            out = next;
        }
        return out;
    }

    /** Versions of one folder, each with one more file, each naming the one before as the version it replaced. */
    private static List<NewObject> versions(int n, int filesAtStart) {
        List<NewObject> out = new ArrayList<>();
        ObjectId previous = null;
        ObjectId blob = ObjectId.fromString("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        for (int v = 0; v < n; v++) {
            TreeFormatter tf = new TreeFormatter();
            for (int i = 0; i < filesAtStart + v; i++) {
                tf.append(String.format("f%06d.bin", i), FileMode.REGULAR_FILE, blob);
            }
            byte[] bytes = tf.toByteArray();
            ObjectId id = ObjectIds.of(Constants.OBJ_TREE, bytes, 0, bytes.length);
            out.add(new NewObject(id, Constants.OBJ_TREE, bytes, previous, null));
            previous = id;
        }
        return out;
    }

    private static Map<ObjectId, NewObject> inOrder(List<NewObject> objects) {
        Map<ObjectId, NewObject> m = new LinkedHashMap<>();
        objects.forEach(o -> m.putIfAbsent(o.id(), o));
        return m;
    }

    @Test
    void eachOlderVersionIsADeltaOfTheNextTheNewestIsWholeAndNoChainIsDeeperThanGits() throws Exception {
        List<NewObject> v = versions(120, 200);
        Map<ObjectId, KnownDeltas.Delta> plan = KnownDeltas.plan(inOrder(v));

        assertThat(plan).as("the newest version is stored whole").doesNotContainKey(v.get(v.size() - 1).id());
        Map<ObjectId, byte[]> bytes = new HashMap<>();
        v.forEach(o -> bytes.put(o.id(), o.bytes()));
        int whole = 0;
        for (int i = 0; i < v.size(); i++) {
            NewObject o = v.get(i);
            KnownDeltas.Delta d = plan.get(o.id());
            if (d == null) {
                whole++;
                continue;
            }
            assertThat(d.base()).as("version %d's base", i).isEqualTo(v.get(i + 1).id());
            byte[] raw = new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(d.deflated())).readAllBytes();
            assertThat(raw).hasSize(d.rawLength());
            assertThat(BinaryDelta.apply(bytes.get(d.base()), raw)).as("version %d rebuilt", i).isEqualTo(o.bytes());
            assertThat(raw.length).as("a delta of one entry, not the folder").isLessThan(100);
            int depth = 0;
            for (ObjectId at = o.id(); plan.containsKey(at); at = plan.get(at).base()) {
                depth++;
            }
            assertThat(depth).as("version %d's chain", i).isLessThanOrEqualTo(KnownDeltas.MAX_DEPTH);
        }
        assertThat(whole).as("120 versions: a whole one every %d", KnownDeltas.MAX_DEPTH + 1).isEqualTo(3);
    }

    @Test
    void aFolderBackToAnEarlierContentMakesNoCycleAndOnlyTreesOfThePackAreBases() throws Exception {
        List<NewObject> v = versions(2, 10);
        NewObject a = v.get(0);
        NewObject b = v.get(1); // b replaced a
        NewObject aAgain = new NewObject(a.id(), a.type(), a.bytes(), b.id(), null); // then a replaced b again
        NewObject elsewhere = versions(2, 30).get(1); // its previous version is not in this pack
        Map<ObjectId, KnownDeltas.Delta> plan = KnownDeltas.plan(inOrder(List.of(a, b, aAgain, elsewhere)));

        assertThat(plan).containsOnlyKeys(a.id());
        assertThat(plan.get(a.id()).base()).isEqualTo(b.id());
    }

    @Test
    void jgitsPackWriterCopiesTheDeltasIntoAPackGitReadsAndChecks() throws Exception {
        Path gitDir = tmp.resolve("r.git");
        try (FileRepository repo = (FileRepository) new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build()) {
            repo.create(true);
            List<NewObject> v = versions(80, 300);
            byte[] blob = new byte[0];
            List<NewObject> all = new ArrayList<>(v);
            all.add(new NewObject(ObjectIds.of(Constants.OBJ_BLOB, blob, 0, 0), Constants.OBJ_BLOB, blob));
            Map<ObjectId, NewObject> fresh = inOrder(all);
            Map<ObjectId, KnownDeltas.Delta> plan = KnownDeltas.plan(fresh);
            Path packDir = repo.getObjectDatabase().getPackDirectory().toPath();
            Files.createDirectories(packDir);
            PackConfig config = new PackConfig(repo);
            config.setThreads(1);
            try (NewObjectReader reader = new NewObjectReader(fresh, plan); RevWalk rw = new RevWalk(reader);
                 PackWriter pw = new PackWriter(config, reader)) {
                pw.setDeltaBaseAsOffset(true);
                List<RevObject> objects = new ArrayList<>();
                for (NewObject o : fresh.values()) {
                    objects.add(rw.lookupAny(o.id(), o.type()));
                }
                pw.preparePack(objects.iterator());
                String name = PackFiles.writeDurable(pw, packDir);
                assertThat(pw.getStatistics().getReusedDeltas()).as("the known deltas were copied, not searched for").isEqualTo(plan.size());
                assertThat(plan).hasSize(80 - 2);
                repo.getObjectDatabase().openPack(packDir.resolve(name + ".pack").toFile());

                String verify = git("verify-pack", "-v", packDir.resolve(name + ".idx").toString());
                assertThat(verify).as(verify).contains("chain length = 1:");
                assertThat(verify).as(verify).doesNotContain("chain length = " + (KnownDeltas.MAX_DEPTH + 1) + ":");
                assertThat(Files.size(packDir.resolve(name + ".pack")))
                        .as("80 versions of a 10 KB tree: two whole, the rest a few bytes each").isLessThan(20_000);
            }
            // A tree's objects must be reachable to be checked by fsck: every version through a chain of commits.
            try (ObjectReader r = repo.newObjectReader()) {
                for (NewObject o : v) {
                    assertThat(r.open(o.id(), Constants.OBJ_TREE).getCachedBytes()).as(o.id().name()).isEqualTo(o.bytes());
                }
            }
            git("fsck", "--full", "--strict");
        }
    }

    private String git(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--git-dir=" + tmp.resolve("r.git")));
        all.addAll(List.of(args));
        dev.davit.testutil.GitClient.Run run = dev.davit.testutil.GitClient.git(tmp, all.toArray(String[]::new));
        assertThat(run.exit()).as("git %s:\n%s", String.join(" ", args), run.output()).isZero();
        return run.output();
    }
}
