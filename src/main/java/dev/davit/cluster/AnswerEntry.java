package dev.davit.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import dev.davit.storage.KeyedWrites;
import dev.davit.storage.WriteKey;

/**
 * The answer to a keyed write that made no commit (a refusal, a write that changed nothing), as an entry of the
 * replicated log: every node's {@link KeyedWrites} keeps it, as of the leader's time {@code stampMillis}. A
 * keyed write that commits needs none: its key is in its commit's own entry ({@link ReplicatedEntry}).
 */
record AnswerEntry(WriteKey key, byte[] answer, long stampMillis) {
    static final int MAGIC = 0x44564131; // "DVA1"

    static boolean isOne(byte[] data) {
        return EntryFields.startsWith(data, MAGIC);
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + answer.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            EntryFields.string(out, key.id());
            EntryFields.string(out, key.fingerprint());
            EntryFields.bytes(out, answer);
            out.writeLong(stampMillis);
        }
        return bytes.toByteArray();
    }

    static AnswerEntry decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit answer entry");
            }
            WriteKey key = new WriteKey(EntryFields.string(in), EntryFields.string(in));
            byte[] answer = EntryFields.bytes(in);
            long stamp = in.readLong();
            if (key.id() == null || key.fingerprint() == null || answer == null) {
                throw new IOException("a Davit answer entry without its key or answer");
            }
            return new AnswerEntry(key, answer, stamp);
        }
    }
}
