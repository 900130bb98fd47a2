package dev.davit.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import dev.davit.storage.log.CommitLog;

/**
 * One entry of the replicated log: which repository, and the commit-log record of one batch of its writes
 * (the bytes {@link CommitLog#encode} makes, exactly what the local commit log keeps).
 */
record ReplicatedEntry(String owner, String name, CommitLog.Record record) {
    /** Ours and no one else's: an entry that does not start with it is refused, never misread. */
    private static final int MAGIC = 0x44565231; // "DVR1"

    byte[] encode() throws IOException {
        byte[] payload = CommitLog.encode(record);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeUTF(owner);
            out.writeUTF(name);
            out.writeInt(payload.length);
            out.write(payload);
        }
        return bytes.toByteArray();
    }

    static ReplicatedEntry decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit log entry");
            }
            String owner = in.readUTF();
            String name = in.readUTF();
            int len = in.readInt();
            if (len < 0 || len != in.available()) {
                throw new IOException("a Davit log entry of the wrong length");
            }
            byte[] payload = new byte[len];
            in.readFully(payload);
            return new ReplicatedEntry(owner, name, CommitLog.decode(payload));
        }
    }
}
