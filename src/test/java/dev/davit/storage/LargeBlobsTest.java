package dev.davit.storage;

import dev.davit.storage.objects.LargeBlobs;
import dev.davit.storage.objects.LooseObject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeBlobsTest {
    /** The upload threads, as Repositories passes them in. */
    private static final java.util.concurrent.ExecutorService WORKERS = LargeBlobs.newWorkers();

    @TempDir
    Path tmp;
    Repository repo;
    Path gitDir;
    Path objects;
    Path spool;

    @BeforeEach
    void open() throws IOException {
        gitDir = tmp.resolve("r.git");
        repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build();
        repo.create(true);
        objects = gitDir.resolve("objects");
        spool = gitDir.resolve("davit-tmp");
    }

    @AfterEach
    void close() {
        repo.close();
    }

    /** 5 MiB and an odd tail: several buffers of the pipeline and a last, partial deflate block. */
    static byte[] content(long seed) {
        byte[] b = new byte[5 * 1024 * 1024 + 12_345];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void storesAMultiMegabyteStreamUnderGitsIdReadableByJGitAndGit() throws Exception {
        byte[] data = content(1);
        Path file = tmp.resolve("upload.bin");
        Files.write(file, data);

        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);

        assertThat(id.name()).isEqualTo(git("hash-object", file.toString()).trim());
        assertThat(id).isEqualTo(new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, data));
        assertThat(LooseObject.path(objects, id)).isRegularFile();
        try (ObjectReader r = repo.newObjectReader()) {
            assertThat(r.open(id, Constants.OBJ_BLOB).openStream().readAllBytes()).isEqualTo(data);
        }
        // git's own zlib reads the object file back to the same bytes, and it passes fsck.
        Process cat = new ProcessBuilder("git", "--git-dir=" + gitDir, "cat-file", "blob", id.name())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] viaGit = cat.getInputStream().readAllBytes();
        assertThat(cat.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(viaGit).isEqualTo(data);
        git("--git-dir=" + gitDir, "fsck", "--strict", "--no-dangling");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void openLooseStreamsTheContentBack() throws Exception {
        byte[] data = content(2);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        try (InputStream in = LargeBlobs.openLoose(objects, id)) {
            assertThat(in).isNotNull();
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (InputStream in = LargeBlobs.openLoose(objects, id)) {
            in.skipNBytes(3_000_000);
            assertThat(in.readNBytes(1000)).isEqualTo(java.util.Arrays.copyOfRange(data, 3_000_000, 3_001_000));
        }
        // An object JGit wrote (deflated, not stored) reads the same way.
        byte[] text = "hello, large world\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        ObjectId other;
        try (ObjectInserter ins = repo.newObjectInserter()) {
            other = ins.insert(Constants.OBJ_BLOB, text);
            ins.flush();
        }
        try (InputStream in = LargeBlobs.openLoose(objects, other)) {
            assertThat(in.readAllBytes()).isEqualTo(text);
        }
        assertThat(LargeBlobs.openLoose(objects, ObjectId.zeroId())).isNull();
    }

    /** The bytes a channel receives from the file's pages (GET's path for large files). */
    private static byte[] sent(Path objects, ObjectId id, long start, long length) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        assertThat(LargeBlobs.sendLoose(objects, id, start, length, java.nio.channels.Channels.newChannel(got))).isTrue();
        return got.toByteArray();
    }

    @Test
    void sendLooseHandsTheContentOrAnyRangeOfItToAChannel() throws Exception {
        byte[] data = content(5);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        assertThat(sent(objects, id, 0, data.length)).isEqualTo(data);
        assertThat(sent(objects, id, 3_000_001, 200_000)).isEqualTo(java.util.Arrays.copyOfRange(data, 3_000_001, 3_200_001));
        assertThat(sent(objects, id, data.length - 10, 1000)).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 10, data.length));
        // nothing to send from a file in another layout (JGit's deflated object) or from no file
        byte[] text = "hello, large world\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        ObjectId other;
        try (ObjectInserter ins = repo.newObjectInserter()) {
            other = ins.insert(Constants.OBJ_BLOB, text);
            ins.flush();
        }
        assertThat(LargeBlobs.sendLoose(objects, other, 0, text.length, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream()))).isFalse();
        assertThat(LargeBlobs.sendLoose(objects, ObjectId.zeroId(), 0, 1, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream()))).isFalse();
    }

    @Test
    void aDamagedObjectIsNeverSentWhole() throws Exception {
        byte[] data = content(3);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        Path file = LooseObject.path(objects, id);
        byte[] raw = Files.readAllBytes(file);
        raw[raw.length / 2] ^= 0x01; // inside a stored block: only the checksum can tell
        file.toFile().setWritable(true);
        Files.write(file, raw);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        assertThatThrownBy(() -> LargeBlobs.sendLoose(objects, id, 0, data.length, java.nio.channels.Channels.newChannel(got)))
                .isInstanceOf(CorruptObjectException.class);
        assertThat(got.size()).isLessThan(data.length);
    }

    @Test
    void aDamagedObjectFailsTheReadThatReachesItsEnd() throws Exception {
        byte[] data = content(3);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        Path file = LooseObject.path(objects, id);
        byte[] raw = Files.readAllBytes(file);
        raw[raw.length / 2] ^= 0x01; // inside a stored block: only the checksum can tell
        file.toFile().setWritable(true);
        Files.write(file, raw);
        try (InputStream in = LargeBlobs.openLoose(objects, id)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(CorruptObjectException.class);
        }
        // A reader that stops at the size (as GET does) gets the error too, with the last bytes.
        try (InputStream in = LargeBlobs.openLoose(objects, id)) {
            assertThatThrownBy(() -> in.readNBytes(data.length)).isInstanceOf(CorruptObjectException.class);
        }
    }

    /**
     * The same when the checksum lies beyond the file read that holds the last content bytes: a size
     * whose object file ends its content exactly at a read boundary.
     */
    @Test
    void aDamagedObjectFailsEvenWhenItsChecksumIsInTheNextRead() throws Exception {
        int len = 2 * 1024 * 1024;
        while (true) {
            long t = ("blob " + len + "\0").length() + (long) len;
            long contentEnd = 2 + t + 5 * ((t + 65534) / 65535);
            if (contentEnd % LargeBlobs.BUFFER_SIZE == 0) {
                break;
            }
            len++;
        }
        byte[] data = new byte[len];
        new Random(10).nextBytes(data);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        Path file = LooseObject.path(objects, id);
        byte[] raw = Files.readAllBytes(file);
        raw[raw.length / 3] ^= 0x01;
        file.toFile().setWritable(true);
        Files.write(file, raw);
        try (InputStream in = LargeBlobs.openLoose(objects, id)) {
            assertThatThrownBy(() -> in.readNBytes(data.length)).isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void aShortStreamStoresNothingAndThrows() throws Exception {
        byte[] data = content(4);
        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length + 1L, WORKERS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("expected " + (data.length + 1L) + " bytes");
        assertThat(looseObjects()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aFailingStreamStoresNothingAndThrowsItsError() throws Exception {
        byte[] data = content(5);
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(data, 0, 2_000_000), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("client went away");
            }
        });
        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, broken, data.length, WORKERS)).hasMessage("client went away");
        assertThat(looseObjects()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void unknownLengthIsSpooledAndStoredUnderTheSameId() throws Exception {
        byte[] data = content(6);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), -1, WORKERS);
        assertThat(id).isEqualTo(new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, data));
        try (ObjectReader r = repo.newObjectReader()) {
            assertThat(r.open(id, Constants.OBJ_BLOB).getBytes()).isEqualTo(data);
        }
        assertThat(leftovers()).isEmpty();
        // Empty, too.
        ObjectId empty = LargeBlobs.insert(repo, spool, InputStream.nullInputStream(), -1, WORKERS);
        assertThat(empty.name()).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        try (ObjectReader r = repo.newObjectReader()) {
            assertThat(r.open(empty, Constants.OBJ_BLOB).getSize()).isZero();
        }
    }

    @Test
    void anExistingObjectIsNotRewritten() throws Exception {
        byte[] data = content(7);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS);
        Path file = LooseObject.path(objects, id);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, old);
        Object inode = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS)).isEqualTo(id);
        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), -1, WORKERS)).isEqualTo(id);

        assertThat(Files.getLastModifiedTime(file)).isEqualTo(old);
        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey()).isEqualTo(inode);
        assertThat(looseObjects()).containsExactly(file);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anObjectAlreadyPackedIsNotWrittenLoose() throws Exception {
        byte[] data = content(8);
        ObjectId packed;
        try (ObjectInserter ins = ((ObjectDirectory) repo.getObjectDatabase()).newPackInserter()) {
            packed = ins.insert(Constants.OBJ_BLOB, data);
            ins.flush();
        }
        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS)).isEqualTo(packed);
        assertThat(looseObjects()).isEmpty();
    }

    /**
     * A stored object under the upload's id with another content (what a SHA-1 collision would be; made
     * here by writing different bytes under the id) is kept, and the upload is refused.
     */
    @Test
    void anUploadWhoseIdIsStoredWithOtherContentIsRefused() throws Exception {
        byte[] data = content(9);
        ObjectId id = new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, data);
        byte[] other = data.clone();
        other[4_000_000] ^= 0x40;
        Path forged = LooseObject.path(objects, id);
        LooseObject impostor = LooseObject.of(Constants.OBJ_BLOB, other, 0, other.length);
        Files.createDirectories(forged.getParent());
        Files.write(forged, impostor.deflated());
        byte[] before = Files.readAllBytes(forged);

        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("SHA-1 collision");
        assertThat(Files.readAllBytes(forged)).isEqualTo(before);
        assertThat(leftovers()).isEmpty();
    }

    private List<Path> looseObjects() throws IOException {
        try (Stream<Path> s = Files.walk(objects)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getParent().getFileName().toString().matches("[0-9a-f]{2}"))
                    .toList();
        }
    }

    /** Temporary and spool files left anywhere in the repository. */
    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.walk(gitDir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().startsWith("tmp_obj_") || p.getFileName().toString().startsWith("spool-"))
                    .toList();
        }
    }

    private static String git(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
