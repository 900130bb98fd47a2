package dev.davit.storage.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.Random;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large blobs sent from a pack (what the background repack makes of them), whole and by range, byte for byte. */
class PackedBlobsTest {
    private static final java.util.concurrent.ExecutorService WORKERS = LargeBlobs.newWorkers();
    @TempDir
    Path tmp;
    FileRepository repo;
    LargeBlobReads reads = new LargeBlobReads(WORKERS);

    @BeforeEach
    void open() throws IOException {
        repo = (FileRepository) new FileRepositoryBuilder().setGitDir(tmp.resolve("r.git").toFile()).setBare().build();
        repo.create(true);
    }

    @AfterEach
    void close() {
        repo.close();
    }

    /** Packs {@code data} as a blob with the repository's settings (zlib's default level, as the repack). */
    private ObjectId pack(byte[] data) throws IOException {
        try (ObjectInserter ins = ((ObjectDirectory) repo.getObjectDatabase()).newPackInserter()) {
            ObjectId id = ins.insert(Constants.OBJ_BLOB, data);
            ins.flush();
            return id;
        }
    }

    private Collection<Pack> packs() {
        return repo.getObjectDatabase().getPacks();
    }

    private byte[] sent(ObjectId id, long size, long start, long length, LargeBlobReads r) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(PackedBlobs.send(packs(), id, size, start, length, Channels.newChannel(got), r)).isTrue();
        return got.toByteArray();
    }

    private void assertRanges(byte[] data, ObjectId id, long... starts) throws IOException {
        for (long start : starts) {
            for (long length : new long[] {1, 100, 70_000, 1_500_000, data.length}) {
                int end = (int) Math.min(data.length, start + length);
                assertThat(sent(id, data.length, start, length, reads)).as("start %d, length %d", start, length)
                        .isEqualTo(Arrays.copyOfRange(data, (int) start, end));
            }
        }
    }

    @Test
    void anIncompressibleBlobIsSentWholeAndByAnyRange() throws Exception {
        byte[] data = new byte[6 * 1024 * 1024 + 4321];
        new Random(1).nextBytes(data);
        ObjectId id = pack(data);
        assertThat(sent(id, data.length, 0, data.length, reads)).isEqualTo(data);
        assertRanges(data, id, 1, 16_383, 16_384, 65_535, 1_048_575, 3_000_001, data.length - 1, data.length - 70_000);
    }

    /**
     * Random bytes, then copies of bytes 32,000 before their end (zlib refers back into the stored blocks), then
     * text: a range starting in a stored block runs into compressed blocks that need the content before it
     * (the dictionary), and a range starting behind a compressed block is inflated from the start.
     */
    @Test
    void aBlobOfStoredAndCompressedBlocksIsSentWholeAndByAnyRange() throws Exception {
        Random random = new Random(2);
        byte[] head = new byte[3 * 1024 * 1024];
        random.nextBytes(head);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(head);
        for (int i = 0; i < 200; i++) {
            // 32,000 bytes back from the first copy: before the last stored block, within the deflate window
            b.write(head, head.length - 32_000 + random.nextInt(500), 5_000);
        }
        b.write("a line of text that repeats\n".repeat(100_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] tail = new byte[500_000];
        random.nextBytes(tail);
        b.write(tail);
        byte[] data = b.toByteArray();
        ObjectId id = pack(data);
        assertThat(Files.size(packs().iterator().next().getPackFile().toPath())).as("compressed in part").isLessThan(data.length);

        assertThat(sent(id, data.length, 0, data.length, reads)).isEqualTo(data);
        assertRanges(data, id, 1, head.length - 70_000, head.length - 31_000, head.length - 25_000, head.length - 17_000,
                head.length - 9_000, head.length - 1, head.length, head.length + 400_000, data.length - 100);
    }

    @Test
    void aRangeWalksFromTheLastCheckpointItLearnt() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024];
        new Random(3).nextBytes(data);
        ObjectId id = pack(data);
        assertThat(sent(id, data.length, data.length - 10, 10, reads)).isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));

        Pack p = packs().iterator().next();
        Path file = p.getPackFile().toPath();
        long offset = p.getIndex().findOffset(id);
        StoredBlockIndex index = reads.storedBlockIndex(file, offset, Files.readAttributes(file, BasicFileAttributes.class), -1);
        long[] last = index.floor(data.length);
        assertThat(last[0]).as("a checkpoint in the last MiB").isGreaterThan(data.length - 2 * StoredBlockIndex.STEP);
        assertThat(index.floor(StoredBlockIndex.STEP - 1)[0]).as("the stream's start").isZero();
        assertThat(index.floor(StoredBlockIndex.STEP + 70_000)[0]).isBetween(StoredBlockIndex.STEP, StoredBlockIndex.STEP + 70_000);
        // The checkpoint is a stored block's header: the range from it is the same bytes.
        assertRanges(data, id, last[0], last[0] - 1, StoredBlockIndex.STEP);
    }

    @Test
    void aDamagedEntryIsNeverSentWholeAndItsChecksumIsCheckedOncePerProcess() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(4).nextBytes(data);
        ObjectId id = pack(data);
        assertThat(sent(id, data.length, 0, data.length, reads)).isEqualTo(data); // checked, remembered

        Path file = packs().iterator().next().getPackFile().toPath();
        FileTime time = Files.getLastModifiedTime(file);
        byte[] raw = Files.readAllBytes(file);
        raw[raw.length / 2] ^= 0x01; // inside a stored block's payload: only the checksum can tell
        file.toFile().setWritable(true);
        Files.write(file, raw);
        Files.setLastModifiedTime(file, time);

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThatThrownBy(() -> PackedBlobs.send(packs(), id, data.length, 0, data.length, Channels.newChannel(got), new LargeBlobReads(WORKERS)))
                .isInstanceOf(CorruptObjectException.class);
        assertThat(got.size()).isLessThan(data.length);
        assertThat(sent(id, data.length, 0, data.length, reads)).as("checked before by this process").hasSize(data.length);
        assertThat(sent(id, data.length, 1, data.length, new LargeBlobReads(WORKERS))).as("a range is not checked").hasSize(data.length - 1);
    }

    @Test
    void nothingIsSentForAnObjectNoPackHoldsAsAWholeBlobOfThatSize() throws Exception {
        byte[] data = new byte[2 * 1024 * 1024];
        new Random(5).nextBytes(data);
        ObjectId id = pack(data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(PackedBlobs.send(packs(), ObjectId.zeroId(), 10, 0, 10, Channels.newChannel(got), reads)).isFalse();
        assertThat(PackedBlobs.send(packs(), id, data.length + 1, 0, 10, Channels.newChannel(got), reads)).isFalse();
        ObjectId tree;
        try (ObjectInserter ins = ((ObjectDirectory) repo.getObjectDatabase()).newPackInserter()) {
            tree = ins.insert(Constants.OBJ_TREE, new byte[0]);
            ins.flush();
        }
        assertThat(PackedBlobs.send(packs(), tree, 0, 0, 1, Channels.newChannel(got), reads)).isFalse();
        assertThat(got.size()).isZero();
    }
}
