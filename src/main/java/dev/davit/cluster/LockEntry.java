package dev.davit.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.davit.lock.Lock;

/**
 * One change of the WebDAV locks as an entry of the replicated log. {@code stamp} is the leader's time when it
 * made the entry: every node applies the change as of that time (which locks have expired, a refresh's new
 * expiry), so all nodes hold the same locks; {@code id} lets the node that made it find its outcome.
 */
record LockEntry(Op op, String id, long stampMillis, Lock lock, String repository, String pathOrToken, long timeoutSeconds) {
    /** Tells lock entries from repository entries ({@link ReplicatedEntry}). */
    static final int MAGIC = 0x44564c31; // "DVL1"

    enum Op { CREATE, REFRESH, REMOVE, REMOVE_WITHIN }

    static boolean isOne(byte[] data) {
        return data.length >= 4 && java.nio.ByteBuffer.wrap(data, 0, 4).getInt() == MAGIC;
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(op.ordinal());
            string(out, id);
            out.writeLong(stampMillis);
            if (op == Op.CREATE) {
                string(out, lock.token());
                string(out, lock.repository());
                string(out, lock.root());
                out.writeByte(lock.scope().ordinal());
                out.writeBoolean(lock.infinite());
                string(out, lock.principal());
                string(out, lock.ownerXml());
                out.writeLong(lock.timeoutSeconds());
                out.writeLong(lock.expires().toEpochMilli());
                out.writeBoolean(lock.createdEmpty());
            } else {
                string(out, repository);
                string(out, pathOrToken);
                out.writeLong(timeoutSeconds);
            }
        }
        return bytes.toByteArray();
    }

    static LockEntry decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit lock entry");
            }
            int opIndex = in.readUnsignedByte();
            if (opIndex >= Op.values().length) {
                throw new IOException("a Davit lock entry of unknown kind " + opIndex);
            }
            Op op = Op.values()[opIndex];
            String id = string(in);
            long stamp = in.readLong();
            if (op == Op.CREATE) {
                String token = string(in);
                String repository = string(in);
                String root = string(in);
                int scope = in.readUnsignedByte();
                if (scope >= Lock.Scope.values().length) {
                    throw new IOException("a lock of unknown scope " + scope);
                }
                boolean infinite = in.readBoolean();
                String principal = string(in);
                String owner = string(in);
                long timeout = in.readLong();
                Instant expires = Instant.ofEpochMilli(in.readLong());
                boolean createdEmpty = in.readBoolean();
                Lock lock = new Lock(token, repository, root, Lock.Scope.values()[scope], infinite, principal, owner, timeout,
                        expires, createdEmpty);
                return new LockEntry(op, id, stamp, lock, repository, token, timeout);
            }
            return new LockEntry(op, id, stamp, null, string(in), string(in), in.readLong());
        }
    }

    /** Strings of any length (a client's DAV:owner can pass writeUTF's 64 KiB). */
    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("a Davit lock entry with a string of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
