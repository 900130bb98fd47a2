package dev.davit.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

import dev.davit.storage.WriteKey;
import dev.davit.storage.log.CommitLog;

/**
 * One entry of the replicated log: which repository, and the commit-log record of one batch of its writes
 * (the bytes {@link CommitLog#encode} makes, or {@link CommitLog#encodeWithDeltas} when a tree the batch
 * rewrote travels as a delta of the version it replaced). A batch with keyed
 * writes carries their keys too, with the commit each made and the leader's time ({@code stampMillis}): the
 * key cannot be committed without its commit, nor the commit without its key. A batch that places large files
 * names their blobs ({@code outside}): they are not in the record but were made durable on a majority of nodes
 * before it ({@link BlobTransfer}), and a node that lacks one fetches it before it applies the record.
 */
record ReplicatedEntry(String owner, String name, CommitLog.Record record, List<WriteKey.Commit> keys, long stampMillis,
                       List<ObjectId> outside) {
    /** Ours and no one else's: an entry that does not start with it is refused, never misread. */
    private static final int MAGIC = 0x44565231; // "DVR1"
    /** A batch with keys (an entry without any is written as before, "DVR1"). */
    private static final int MAGIC_KEYED = 0x44565232; // "DVR2"
    /** A batch with blobs outside its record (and keys, maybe none). */
    private static final int MAGIC_OUTSIDE = 0x44565233; // "DVR3"
    /**
     * As {@link #MAGIC_OUTSIDE} (keys and outside blobs, maybe none), the record's rewritten trees as deltas of
     * the versions they replaced ({@link CommitLog#encodeWithDeltas}): a write into a folder of thousands of
     * files rewrites a tree of a few hundred KB, which every node wrote to its Raft log and received over the
     * network whole. The base is in the tree of the commit the batch follows, which every node applied before.
     */
    private static final int MAGIC_DELTAS = 0x44565234; // "DVR4"
    /**
     * As {@link #MAGIC_OUTSIDE} (keys and outside blobs, maybe none), for a record of a ref other than the served
     * branch (another branch or a tag, pushed with git; whole objects). A magic of its own so that a node of an
     * older version, which would move the served branch by any record, stops at it instead.
     */
    private static final int MAGIC_REF = 0x44565235; // "DVR5"

    ReplicatedEntry(String owner, String name, CommitLog.Record record) {
        this(owner, name, record, List.of(), 0, List.of());
    }

    ReplicatedEntry(String owner, String name, CommitLog.Record record, List<WriteKey.Commit> keys, long stampMillis) {
        this(owner, name, record, keys, stampMillis, List.of());
    }

    byte[] encode() throws IOException {
        boolean deltas = CommitLog.hasDeltas(record);
        byte[] payload = deltas ? CommitLog.encodeWithDeltas(record) : CommitLog.encode(record);
        int magic = !dev.davit.storage.GitRepository.BRANCH.equals(record.ref()) ? MAGIC_REF : deltas ? MAGIC_DELTAS
                : !outside.isEmpty() ? MAGIC_OUTSIDE : keys.isEmpty() ? MAGIC : MAGIC_KEYED;
        if (magic == MAGIC_REF && deltas) {
            throw new IOException("a record of " + record.ref() + " with deltas"); // pushes hold whole objects
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 64 + 128 * keys.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeUTF(owner);
            out.writeUTF(name);
            if (magic != MAGIC) {
                out.writeLong(stampMillis);
                out.writeInt(keys.size());
                for (WriteKey.Commit k : keys) {
                    EntryFields.string(out, k.key().id());
                    EntryFields.string(out, k.key().fingerprint());
                    byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
                    k.commit().copyRawTo(id, 0);
                    out.write(id);
                }
            }
            if (magic == MAGIC_OUTSIDE || magic == MAGIC_DELTAS || magic == MAGIC_REF) {
                out.writeInt(outside.size());
                byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
                for (ObjectId o : outside) {
                    o.copyRawTo(id, 0);
                    out.write(id);
                }
            }
            out.writeInt(payload.length);
            out.write(payload);
        }
        return bytes.toByteArray();
    }

    /** An entry whose deltas find their bases in its own record only (the others are an error). */
    static ReplicatedEntry decode(byte[] data) throws IOException {
        return decode(data, (owner, name) -> id -> null);
    }

    /** {@code bases}: where a delta of the entry's record finds a base its record does not hold, by repository. */
    static ReplicatedEntry decode(byte[] data, java.util.function.BiFunction<String, String, CommitLog.Bases> bases) throws IOException {
        return decode(data, bases, false);
    }

    /**
     * The entry with its record's ref and heads but none of its objects ({@link CommitLog#decodeHeads}): enough to
     * tell an entry that the repository's head has moved past, whose objects are not needed.
     */
    static ReplicatedEntry decodeWithoutObjects(byte[] data) throws IOException {
        return decode(data, (owner, name) -> id -> null, true);
    }

    private static ReplicatedEntry decode(byte[] data, java.util.function.BiFunction<String, String, CommitLog.Bases> bases,
                                          boolean headsOnly) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_KEYED && magic != MAGIC_OUTSIDE && magic != MAGIC_DELTAS && magic != MAGIC_REF) {
                throw new IOException("not a Davit log entry");
            }
            String owner = in.readUTF();
            String name = in.readUTF();
            List<WriteKey.Commit> keys = List.of();
            long stamp = 0;
            if (magic != MAGIC) {
                stamp = in.readLong();
                int n = in.readInt();
                if (n < 0 || n > in.available()) {
                    throw new IOException("a Davit log entry with " + n + " keys");
                }
                keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    WriteKey key = new WriteKey(EntryFields.string(in), EntryFields.string(in));
                    byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
                    in.readFully(id);
                    keys.add(new WriteKey.Commit(key, ObjectId.fromRaw(id)));
                }
            }
            List<ObjectId> outside = List.of();
            if (magic == MAGIC_OUTSIDE || magic == MAGIC_DELTAS || magic == MAGIC_REF) {
                int n = in.readInt();
                if (n < (magic == MAGIC_OUTSIDE ? 1 : 0) || (long) n * Constants.OBJECT_ID_LENGTH > in.available()) {
                    throw new IOException("a Davit log entry with " + n + " blobs outside it");
                }
                outside = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
                    in.readFully(id);
                    outside.add(ObjectId.fromRaw(id));
                }
            }
            int len = in.readInt();
            if (len < 0 || len != in.available()) {
                throw new IOException("a Davit log entry of the wrong length");
            }
            byte[] payload = new byte[len];
            in.readFully(payload);
            CommitLog.Record record = headsOnly ? CommitLog.decodeHeads(payload) : magic == MAGIC_DELTAS
                    ? CommitLog.decodeWithDeltas(payload, bases.apply(owner, name)) : CommitLog.decode(payload);
            if ((magic == MAGIC_REF) == dev.davit.storage.GitRepository.BRANCH.equals(record.ref())) {
                throw new IOException("a Davit log entry for " + record.ref() + " of the wrong kind");
            }
            return new ReplicatedEntry(owner, name, record, keys, stamp, outside);
        }
    }
}
