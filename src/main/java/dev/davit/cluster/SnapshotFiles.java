package dev.davit.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

import dev.davit.storage.disk.DurableFiles;

/**
 * This node's Raft snapshots ({@link ClusterSnapshot}), one small file each in the state machine's folder of the
 * Raft storage, named as Ratis' {@link SimpleStateMachineStorage} names them ({@code snapshot.TERM_INDEX}), which
 * finds the latest at start and deletes the old ones after each new snapshot. Each file is written beside, fsynced,
 * renamed into place and its folder fsynced, so a snapshot Ratis is told of survives a power cut, and a crash
 * leaves either the whole file or none.
 */
final class SnapshotFiles {
    private static final String PARTIAL = ".partial";
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private volatile Path dir;

    StateMachineStorage ratis() {
        return storage;
    }

    void init(RaftStorage raftStorage) throws IOException {
        storage.init(raftStorage);
        dir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        Files.createDirectories(dir);
        try (DirectoryStream<Path> partial = Files.newDirectoryStream(dir, "*" + PARTIAL)) {
            for (Path p : partial) {
                Files.deleteIfExists(p); // a write a crash interrupted: never told to Ratis
            }
        }
    }

    /** The bytes of the latest snapshot, or null when there is none yet. */
    byte[] latestBytes() throws IOException {
        SingleFileSnapshotInfo info = storage.getLatestSnapshot();
        return info == null ? null : Files.readAllBytes(info.getFile().getPath());
    }

    /** The latest snapshot, or null; a damaged one or one whose name and contents disagree is an error. */
    ClusterSnapshot latest() throws IOException {
        SingleFileSnapshotInfo info = storage.getLatestSnapshot();
        if (info == null) {
            return null;
        }
        Path file = info.getFile().getPath();
        ClusterSnapshot s;
        try {
            s = ClusterSnapshot.decode(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException("cluster: the Raft snapshot " + file + " cannot be read (" + e.getMessage() + ")", e);
        }
        if (s.term() != info.getTerm() || s.index() != info.getIndex()) {
            throw new IOException("cluster: the Raft snapshot " + file + " holds term " + s.term() + " index " + s.index());
        }
        return s;
    }

    /** Stores {@code bytes} (an encoded {@link ClusterSnapshot} of {@code term} and {@code index}) as the latest snapshot. */
    void write(byte[] bytes, long term, long index) throws IOException {
        Path target = storage.getSnapshotFile(term, index).toPath();
        Path partial = target.resolveSibling(target.getFileName() + PARTIAL);
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.forceDirectory(dir);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target, null), term, index));
    }

    void write(ClusterSnapshot s) throws IOException {
        write(s.encode(), s.term(), s.index());
    }
}
