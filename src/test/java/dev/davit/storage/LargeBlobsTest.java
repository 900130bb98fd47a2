package dev.davit.storage;

import dev.davit.storage.objects.LargeBlobReads;
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
    /** The server's shared part of large blobs' sends: its buffers and the object files it checked or wrote. */
    LargeBlobReads reads = new LargeBlobReads(WORKERS);
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

        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);

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
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
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

    /** The bytes a channel receives from the object file (GET's path for large files). */
    private byte[] sent(Path objects, ObjectId id, long start, long length) throws IOException {
        return sent(objects, id, start, length, reads);
    }

    private static byte[] sent(Path objects, ObjectId id, long start, long length, LargeBlobReads reads) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        assertThat(LargeBlobs.sendLoose(objects, id, start, length, java.nio.channels.Channels.newChannel(got), reads)).isTrue();
        return got.toByteArray();
    }

    @Test
    void sendLooseHandsTheContentOrAnyRangeOfItToAChannel() throws Exception {
        byte[] data = content(5);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
        assertThat(sent(objects, id, 0, data.length)).isEqualTo(data);
        assertThat(sent(objects, id, 3_000_001, 200_000)).isEqualTo(java.util.Arrays.copyOfRange(data, 3_000_001, 3_200_001));
        assertThat(sent(objects, id, data.length - 10, 1000)).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 10, data.length));
        // Ranges across the 4 MiB reads and the 65,535-byte stored blocks: the first block holds the 14-byte
        // "blob 5255225\0" before the content, so content offset 65,521 is the first byte of the second block.
        int header = ("blob " + data.length + "\0").length();
        for (long start : new long[] {65_535 - header, 65_535 - header - 1, 65_535 - header + 1, 1, 2 * 65_535 - header}) {
            for (long length : new long[] {1, 2, 65_535, 1_048_576, 2_500_000, data.length}) {
                long end = Math.min(data.length, start + length);
                assertThat(sent(objects, id, start, length)).as("start %d, length %d", start, length)
                        .isEqualTo(java.util.Arrays.copyOfRange(data, (int) start, (int) end));
            }
        }
        // nothing to send from a file in another layout (JGit's deflated object) or from no file
        byte[] text = "hello, large world\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        ObjectId other;
        try (ObjectInserter ins = repo.newObjectInserter()) {
            other = ins.insert(Constants.OBJ_BLOB, text);
            ins.flush();
        }
        assertThat(LargeBlobs.sendLoose(objects, other, 0, text.length, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream()), reads)).isFalse();
        assertThat(LargeBlobs.sendLoose(objects, ObjectId.zeroId(), 0, 1, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream()), reads)).isFalse();
    }

    /** Flips a bit inside a stored block (only the checksum can tell), keeping the file's size and time. */
    private static void damageKeepingSizeAndTime(Path file, int at) throws IOException {
        FileTime time = Files.getLastModifiedTime(file);
        byte[] raw = Files.readAllBytes(file);
        raw[at] ^= 0x01;
        file.toFile().setWritable(true);
        Files.write(file, raw);
        Files.setLastModifiedTime(file, time);
    }

    /** A send of the whole content, which must fail with nothing but part of the content sent. */
    private static void assertNotSentWhole(Path objects, ObjectId id, int size, LargeBlobReads reads) {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        assertThatThrownBy(() -> LargeBlobs.sendLoose(objects, id, 0, size, java.nio.channels.Channels.newChannel(got), reads))
                .isInstanceOf(CorruptObjectException.class);
        assertThat(got.size()).isLessThan(size);
    }

    @Test
    void aDamagedObjectIsNeverSentWhole() throws Exception {
        byte[] data = content(3);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path file = LooseObject.path(objects, id);
        damageKeepingSizeAndTime(file, (int) (Files.size(file) / 2));
        // A server that neither wrote nor checked this file (e.g. after a restart) checks it before the last bytes go.
        assertNotSentWhole(objects, id, data.length, new LargeBlobReads(WORKERS));
        // A damaged end of the content is caught before its last write too.
        damageKeepingSizeAndTime(file, (int) Files.size(file) - 10);
        assertNotSentWhole(objects, id, data.length, new LargeBlobReads(WORKERS));
    }

    /**
     * The zlib checksum is checked once per object file and process (LargeBlobReads): by the first whole send,
     * or by the insert that wrote the file. What that gives up is seen here: damage that keeps the file's inode,
     * size and time goes unnoticed by the process that checked it; any other process checks again, and a file
     * that changes in size or time is checked again.
     */
    @Test
    void theChecksumIsCheckedOncePerObjectFileAndProcess() throws Exception {
        byte[] data = content(11);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path file = LooseObject.path(objects, id);
        LargeBlobReads other = new LargeBlobReads(WORKERS);
        assertThat(sent(objects, id, 0, data.length, other)).isEqualTo(data); // checked, and remembered
        damageKeepingSizeAndTime(file, (int) (Files.size(file) / 2));

        assertThat(sent(objects, id, 0, data.length)).isNotEqualTo(data).hasSize(data.length); // wrote it: not checked again
        assertThat(sent(objects, id, 0, data.length, other)).isNotEqualTo(data).hasSize(data.length); // checked it before
        assertNotSentWhole(objects, id, data.length, new LargeBlobReads(WORKERS));

        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2_000));
        assertNotSentWhole(objects, id, data.length, reads);
        assertNotSentWhole(objects, id, data.length, other);
    }

    /** A range is never checksummed (it cannot be), so it neither needs nor makes the file count as checked. */
    @Test
    void aRangeLeavesTheChecksumToTheNextWholeSend() throws Exception {
        byte[] data = content(12);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path file = LooseObject.path(objects, id);
        damageKeepingSizeAndTime(file, (int) (Files.size(file) / 2));
        LargeBlobReads fresh = new LargeBlobReads(WORKERS);
        assertThat(sent(objects, id, 1, data.length - 1, fresh)).hasSize(data.length - 1);
        assertThat(sent(objects, id, 0, data.length - 1, fresh)).hasSize(data.length - 1);
        assertNotSentWhole(objects, id, data.length, fresh);
    }

    @Test
    void aDamagedObjectFailsTheReadThatReachesItsEnd() throws Exception {
        byte[] data = content(3);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
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
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
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
        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length + 1L, WORKERS, reads))
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
        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, broken, data.length, WORKERS, reads)).hasMessage("client went away");
        assertThat(looseObjects()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void unknownLengthIsSpooledAndStoredUnderTheSameId() throws Exception {
        byte[] data = content(6);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), -1, WORKERS, reads);
        assertThat(id).isEqualTo(new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, data));
        try (ObjectReader r = repo.newObjectReader()) {
            assertThat(r.open(id, Constants.OBJ_BLOB).getBytes()).isEqualTo(data);
        }
        assertThat(leftovers()).isEmpty();
        // Empty, too.
        ObjectId empty = LargeBlobs.insert(repo, spool, InputStream.nullInputStream(), -1, WORKERS, reads);
        assertThat(empty.name()).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        try (ObjectReader r = repo.newObjectReader()) {
            assertThat(r.open(empty, Constants.OBJ_BLOB).getSize()).isZero();
        }
    }

    @Test
    void anExistingObjectIsNotRewritten() throws Exception {
        byte[] data = content(7);
        ObjectId id = LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path file = LooseObject.path(objects, id);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, old);
        Object inode = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads)).isEqualTo(id);
        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), -1, WORKERS, reads)).isEqualTo(id);

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
        assertThat(LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads)).isEqualTo(packed);
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

        assertThatThrownBy(() -> LargeBlobs.insert(repo, spool, new ByteArrayInputStream(data), data.length, WORKERS, reads))
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
