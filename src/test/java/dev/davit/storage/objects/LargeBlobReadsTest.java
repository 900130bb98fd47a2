package dev.davit.storage.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The direct buffers large blobs' sends share: bounded, so many slow clients never exhaust direct memory. */
class LargeBlobReadsTest {
    private static final ExecutorService WORKERS = LargeBlobs.newWorkers();

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

    @Test
    void atMostMaxBuffersExistAndASendThatFindsNoneSendsNothing() throws Exception {
        byte[] data = new byte[2 * 1024 * 1024 + 3];
        new Random(1).nextBytes(data);
        ObjectId id = LargeBlobs.insert(repo, tmp.resolve("spool"), new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path objects = repo.getObjectsDirectory().toPath();

        List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < LargeBlobReads.MAX_BUFFERS; i++) {
            ByteBuffer b = reads.takeBuffer();
            assertThat(b).isNotNull();
            assertThat(b.isDirect()).isTrue();
            assertThat(b.capacity()).isEqualTo(LargeBlobReads.BUFFER_SIZE);
            held.add(b);
        }
        assertThat(reads.takeBuffer()).isNull();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(LargeBlobs.sendLoose(objects, id, 0, data.length, Channels.newChannel(got), reads)).isFalse();
        assertThat(got.size()).isZero();

        reads.giveBack(held.remove(0)); // a complete send's buffer is reused
        assertThat(LargeBlobs.sendLoose(objects, id, 0, data.length, Channels.newChannel(got), reads)).isTrue();
        assertThat(got.toByteArray()).isEqualTo(data);
        ByteBuffer again = reads.takeBuffer();
        assertThat(again).isNotNull();
        assertThat(reads.takeBuffer()).isNull();
        reads.drop(again); // a failed send's buffer is forgotten, and another may be made
        assertThat(reads.takeBuffer()).isNotNull();
    }

    @Test
    void aSendWhoseWriteFailsDropsItsBufferAndTheNextSendGetsAnother() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024];
        new Random(2).nextBytes(data);
        ObjectId id = LargeBlobs.insert(repo, tmp.resolve("spool"), new ByteArrayInputStream(data), data.length, WORKERS, reads);
        Path objects = repo.getObjectsDirectory().toPath();
        WritableByteChannel broken = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                throw new IOException("client went away");
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        for (int i = 0; i < LargeBlobReads.MAX_BUFFERS + 2; i++) {
            assertThatThrownBy(() -> LargeBlobs.sendLoose(objects, id, 0, data.length, broken, reads)).hasMessage("client went away");
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(LargeBlobs.sendLoose(objects, id, 0, data.length, Channels.newChannel(got), reads)).isTrue();
        assertThat(got.toByteArray()).isEqualTo(data);
    }
}
