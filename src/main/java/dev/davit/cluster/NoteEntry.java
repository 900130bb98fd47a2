package dev.davit.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import dev.davit.storage.NoteKeeper;

/**
 * A front end's note about a repository (dav's sync-client metadata) as an entry of the replicated log:
 * applied on every node by the keeper of its kind ({@link NoteKeeper}), in the log's order.
 */
record NoteEntry(String owner, String name, String kind, byte[] note) {
    static final int MAGIC = 0x44564e31; // "DVN1"

    static boolean isOne(byte[] data) {
        return EntryFields.startsWith(data, MAGIC);
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + note.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            EntryFields.string(out, owner);
            EntryFields.string(out, name);
            EntryFields.string(out, kind);
            EntryFields.bytes(out, note);
        }
        return bytes.toByteArray();
    }

    static NoteEntry decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit note entry");
            }
            NoteEntry e = new NoteEntry(EntryFields.string(in), EntryFields.string(in), EntryFields.string(in), EntryFields.bytes(in));
            if (e.owner() == null || e.name() == null || e.kind() == null || e.note() == null) {
                throw new IOException("a Davit note entry without its repository, kind or note");
            }
            return e;
        }
    }
}
