package dev.davit.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import dev.davit.storage.InvalidPathException;
import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;

/**
 * One change of a repository's files kept aside (desktop junk, a LOCK's empty file) as an entry of the
 * replicated log: applied on every node by that repository's {@link SideFiles#apply}, in the log's order.
 */
record SideEntry(String owner, String name, SideFiles.Change change) {
    static final int MAGIC = 0x44565331; // "DVS1"

    static boolean isOne(byte[] data) {
        return EntryFields.startsWith(data, MAGIC);
    }

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + (change.bytes() == null ? 0 : change.bytes().length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            EntryFields.string(out, owner);
            EntryFields.string(out, name);
            out.writeByte(change.op().ordinal());
            EntryFields.string(out, change.path().toString());
            EntryFields.string(out, change.to() == null ? null : change.to().toString());
            EntryFields.bytes(out, change.bytes());
            out.writeLong(change.stampMillis());
        }
        return bytes.toByteArray();
    }

    static SideEntry decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Davit side-file entry");
            }
            String owner = EntryFields.string(in);
            String name = EntryFields.string(in);
            int op = in.readUnsignedByte();
            if (op >= SideFiles.Change.Op.values().length) {
                throw new IOException("a Davit side-file entry of unknown kind " + op);
            }
            RepoPath path = path(EntryFields.string(in));
            String to = EntryFields.string(in);
            byte[] content = EntryFields.bytes(in);
            long stamp = in.readLong();
            return new SideEntry(owner, name,
                    new SideFiles.Change(SideFiles.Change.Op.values()[op], path, to == null ? null : path(to), content, stamp));
        }
    }

    private static RepoPath path(String s) throws IOException {
        try {
            return RepoPath.parse(s);
        } catch (InvalidPathException e) {
            throw new IOException("a Davit side-file entry with a bad path: " + s, e);
        }
    }
}
