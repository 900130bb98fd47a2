package dev.davit.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import dev.davit.lock.Lock;
import dev.davit.storage.KeyedWrites;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What a Raft snapshot of this cluster holds besides the repositories themselves: "every entry up to
 * {@code index} (of {@code term}) is applied, and durable in the repositories on disk". The repositories are the
 * state and stay where they are (a snapshot never copies them); the file holds only what lives in memory — the
 * WebDAV locks and the time of the last entry they were applied at, the REST idempotency keys
 * ({@link KeyedWrites}, rebuilt from the log otherwise, so a restart after a snapshot kept none) — and the names of the repositories, so that
 * a node that fetches them from this one knows which to fetch.
 *
 * <p>The bytes are the same on every node that holds them (a node that catches up stores the file it fetched as
 * its own snapshot). Framed by a magic number and a CRC-32, so a damaged file is refused, never misread.
 */
record ClusterSnapshot(long term, long index, ReplicatedLockStore.State locks, List<String> repositories,
                       List<KeyedWrites.Kept> keys) {
    private static final int MAGIC = 0x44565332; // "DVS2": DVS1 without the keys

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeLong(term);
            out.writeLong(index);
            out.writeInt(repositories.size());
            for (String r : repositories) {
                out.writeUTF(r);
            }
            out.writeLong(locks.entryTimeMillis());
            out.writeInt(locks.locks().size());
            for (Lock l : locks.locks()) {
                // A lock as its CREATE entry encodes it: one encoding of a lock, the log's.
                byte[] e = new LockEntry(LockEntry.Op.CREATE, "", 0, l, l.repository(), l.token(), l.timeoutSeconds()).encode();
                out.writeInt(e.length);
                out.write(e);
            }
            out.writeInt(keys.size());
            for (KeyedWrites.Kept k : keys) {
                KeyedWrites.Outcome o = k.outcome();
                writeBytes(out, k.id().getBytes(StandardCharsets.UTF_8));
                writeBytes(out, o.fingerprint().getBytes(StandardCharsets.UTF_8));
                out.writeInt(o.commits().size());
                for (ObjectId c : o.commits()) {
                    c.copyRawTo(out);
                }
                out.writeBoolean(o.answer() != null);
                if (o.answer() != null) {
                    writeBytes(out, o.answer());
                }
                out.writeLong(o.at().getEpochSecond());
                out.writeInt(o.at().getNano());
            }
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        new DataOutputStream(bytes).writeLong(crc.getValue());
        return bytes.toByteArray();
    }

    static ClusterSnapshot decode(byte[] data) throws IOException {
        if (data.length < 12) {
            throw new IOException("not a Davit cluster snapshot (" + data.length + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 8);
        long stored = new DataInputStream(new ByteArrayInputStream(data, data.length - 8, 8)).readLong();
        if (stored != crc.getValue()) {
            throw new IOException("a damaged Davit cluster snapshot (its checksum does not match)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 8))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit cluster snapshot");
            }
            long term = in.readLong();
            long index = in.readLong();
            int n = in.readInt();
            if (n < 0) {
                throw new IOException("a Davit cluster snapshot of " + n + " repositories");
            }
            List<String> repositories = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                repositories.add(in.readUTF());
            }
            long entryTime = in.readLong();
            int m = in.readInt();
            if (m < 0) {
                throw new IOException("a Davit cluster snapshot of " + m + " locks");
            }
            List<Lock> locks = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                int len = in.readInt();
                if (len < 0 || len > in.available()) {
                    throw new IOException("a Davit cluster snapshot with a lock of " + len + " bytes");
                }
                byte[] e = new byte[len];
                in.readFully(e);
                locks.add(LockEntry.decode(e).lock());
            }
            int k = in.readInt();
            if (k < 0 || k > KeyedWrites.MAX_ENTRIES) {
                throw new IOException("a Davit cluster snapshot of " + k + " keys");
            }
            List<KeyedWrites.Kept> keys = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                String id = new String(readBytes(in), StandardCharsets.UTF_8);
                String fingerprint = new String(readBytes(in), StandardCharsets.UTF_8);
                int c = in.readInt();
                if (c < 0 || c > 64) {
                    throw new IOException("a Davit cluster snapshot with a key of " + c + " commits");
                }
                List<ObjectId> commits = new ArrayList<>();
                byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
                for (int j = 0; j < c; j++) {
                    in.readFully(raw);
                    commits.add(ObjectId.fromRaw(raw));
                }
                byte[] answer = in.readBoolean() ? readBytes(in) : null;
                Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
                keys.add(new KeyedWrites.Kept(id, new KeyedWrites.Outcome(fingerprint, List.copyOf(commits), answer, at)));
            }
            if (in.available() != 0) {
                throw new IOException("a Davit cluster snapshot with " + in.available() + " bytes too many");
            }
            return new ClusterSnapshot(term, index, new ReplicatedLockStore.State(entryTime, List.copyOf(locks)),
                    List.copyOf(repositories), List.copyOf(keys));
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > in.available()) {
            throw new IOException("a Davit cluster snapshot with a field of " + len + " bytes");
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }
}
