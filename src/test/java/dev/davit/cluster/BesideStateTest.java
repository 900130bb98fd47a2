package dev.davit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;

/**
 * The archive of a repository's state beside its history that a node behind the trimmed log fetches
 * ({@code /cluster/side/OWNER/NAME}): it reads back as the files kept aside with their times and dead
 * properties, and an archive naming a path outside the repository, an entry its manifest does not list, or
 * fewer entries than it lists is refused with nothing changed and nothing written outside.
 */
class BesideStateTest {
    private static final Identity WHO = new Identity("A", "a@example.org");

    @TempDir
    Path tmp;

    private Repositories leader;
    private Repositories behind;

    @AfterEach
    void close() throws Exception {
        for (Repositories r : new Repositories[] {leader, behind}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private static RepoPath p(String s) throws Exception {
        return RepoPath.parse(s);
    }

    private static String read(GitRepository repo, String path) throws Exception {
        try (var in = repo.sideFiles().open(p(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every file under {@code dir}, with its content. */
    private static Map<String, String> everything(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private GitRepository behindWithItsOwnJunk() throws Exception {
        behind = new Repositories(tmp.resolve("behind"), false, 0);
        GitRepository repo = behind.createIfMissing("o", "r", null, WHO);
        repo.sideFiles().put(p(".DS_Store"), new ByteArrayInputStream("behind's own".getBytes(StandardCharsets.UTF_8)));
        return repo;
    }

    private static byte[] archive(String manifest, Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(BesideState.MANIFEST));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    private static String manifest(String path) {
        return "{\"format\":1,\"repository\":\"o/r\",\"side\":{\"index\":40,\"files\":[{\"path\":\"" + path
                + "\",\"modified\":\"2026-12-01T10:00:00.123Z\",\"propertiesModified\":null}]},\"notes\":{}}";
    }

    @Test
    void theFilesKeptAsideReadBackWithTheirTimesAndPropertiesInPlaceOfTheNodesOwn() throws Exception {
        leader = new Repositories(tmp.resolve("leader"), false, 0);
        GitRepository from = leader.createIfMissing("o", "r", null, WHO);
        from.sideFiles().put(p(".DS_Store"), new ByteArrayInputStream("Bud1 leader".getBytes(StandardCharsets.UTF_8)));
        from.sideFiles().put(p("docs/._x"), new ByteArrayInputStream(new byte[] {0, 5, 22, 7}));
        from.sideFiles().setMetadata(p("docs/._x"), "<props/>".getBytes(StandardCharsets.UTF_8));
        GitRepository to = behindWithItsOwnJunk();
        to.sideFiles().put(p("only-behind.tmp"), new ByteArrayInputStream(new byte[1]));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BesideState.write(leader, from, out);
        BesideState.read(new ByteArrayInputStream(out.toByteArray()), behind, to);

        assertThat(read(to, ".DS_Store")).isEqualTo("Bud1 leader");
        for (String f : List.of(".DS_Store", "docs/._x")) {
            assertThat(to.sideFiles().get(p(f))).as(f + ": same version, size and time").isEqualTo(from.sideFiles().get(p(f)));
        }
        assertThat(to.sideFiles().metadata(p("docs/._x")).map(String::new)).hasValue("<props/>");
        assertThat(to.sideFiles().has(p("only-behind.tmp"))).isFalse();
        assertThat(to.sideFiles().appliedIndex()).isEqualTo(from.sideFiles().appliedIndex());
        try (Stream<Path> left = Files.list(from.gitDir())) {
            assertThat(left.map(f -> f.getFileName().toString())).as("the export's links are deleted")
                    .noneMatch(n -> n.contains("export"));
        }
    }

    @Test
    void anArchiveNamingAPathOutsideTheRepositoryIsRefusedAndChangesNothing() throws Exception {
        GitRepository to = behindWithItsOwnJunk();
        Map<String, String> before = everything(tmp);

        List<byte[]> refused = List.of(
                // Listed in the manifest, and there: a path out of the store, into git's own files, absolute.
                archive(manifest("../../../escaped"), Map.of("side/files/../../../escaped", "x")),
                archive(manifest(".git/config"), Map.of("side/files/.git/config", "x")),
                archive(manifest("/tmp/escaped"), Map.of("side/files//tmp/escaped", "x")),
                archive(manifest("a/.davitprops.b"), Map.of("side/files/a/.davitprops.b", "x")),
                // A valid manifest, and an entry it does not list that would escape.
                archive(manifest("ok"), Map.of("side/files/ok", "x", "side/files/../../escaped", "x")),
                // Fewer entries than listed (a transfer cut short).
                archive(manifest("ok"), Map.of()),
                // Another repository's archive.
                archive(manifest("ok").replace("o/r", "o/other"), Map.of("side/files/ok", "x")));
        for (byte[] a : refused) {
            assertThatThrownBy(() -> BesideState.read(new ByteArrayInputStream(a), behind, to)).isInstanceOf(IOException.class);
            assertThat(everything(tmp)).as("nothing changed, nothing written anywhere").isEqualTo(before);
        }
        assertThat(read(to, ".DS_Store")).isEqualTo("behind's own");

        BesideState.read(new ByteArrayInputStream(archive(manifest("ok"), Map.of("side/files/ok", "fine"))), behind, to);
        assertThat(read(to, "ok")).isEqualTo("fine");
        assertThat(to.sideFiles().get(p("ok")).orElseThrow().modified()).hasToString("2026-12-01T10:00:00.123Z");
        assertThat(to.sideFiles().appliedIndex()).isEqualTo(40);
        assertThat(to.sideFiles().has(p(".DS_Store"))).isFalse();
    }
}
