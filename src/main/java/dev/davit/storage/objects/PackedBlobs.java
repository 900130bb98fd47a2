package dev.davit.storage.objects;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.zip.Adler32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Large blobs that the background repack put in a pack, sent from the pack file: the entry is found through
 * the pack's index, and its deflate stream is inflated from direct buffers into a direct buffer that is written
 * as it is, 4 MiB at a time (JGit's stream of a large packed object inflates through 8 KiB heap buffers, which
 * GET then copies again: 0.4-0.8 GB/s and 1-2 s of CPU per GiB, where a loose object is sent at several GB/s).
 *
 * <p><b>Ranges.</b> A deflate stream can only be read from its start, unless its blocks before the range are
 * stored ones (what zlib makes of data it cannot compress: media, archives, random bytes): their 5-byte headers
 * give their lengths, so walking them finds the block that holds the range's first byte, and inflating starts
 * there, with the 32 KiB of content before it as the dictionary (later blocks may be compressed and refer back).
 * A range behind a compressed block inflates from the start (JGit's stream did so for every range: 1.5 s for
 * 100 bytes at the end of a 1 GiB file).
 *
 * <p><b>Checksum.</b> The stream is inflated raw, and the zlib Adler-32 after it is checked by a send of the whole
 * content before its last bytes leave, once per pack entry and process ({@link LargeBlobReads}, as for loose
 * objects).
 */
public final class PackedBlobs {
    /** The deflate window: how far back a compressed block may refer. */
    private static final int WINDOW = 32 * 1024;

    private PackedBlobs() {
    }

    /**
     * Sends {@code length} bytes of blob {@code id}'s content from offset {@code start} to {@code out}, when one
     * of {@code packs} holds it whole (not as a delta) with {@code size} bytes. False (nothing sent) when no
     * pack holds it so, its pack file is gone, or the buffers are in use: JGit's reader answers then.
     */
    public static boolean send(Collection<Pack> packs, ObjectId id, long size, long start, long length, WritableByteChannel out,
                               LargeBlobReads reads) throws IOException {
        for (Pack p : packs) {
            long offset;
            try {
                offset = p.getIndex().findOffset(id);
            } catch (IOException e) {
                continue; // an index that cannot be read now: JGit's reader decides
            }
            if (offset < 0) {
                continue;
            }
            Path file = p.getPackFile().toPath();
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false; // replaced by a repack meanwhile
            }
            try (ch) {
                long deflate = deflateStart(ch, offset, size);
                if (deflate < 0) {
                    return false;
                }
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                boolean check = start == 0 && length >= size && !reads.isChecked(file, offset, attributes);
                long end = Math.min(size, start + length);
                ByteBuffer in = reads.takeBuffer(); // the inflater's input: never handed to the channel
                if (in == null) {
                    return false; // every buffer in use: JGit's stream answers
                }
                try {
                    Seek from = start == 0 ? null : seek(ch, reads.storedBlockIndex(file, offset, attributes, deflate), start, id);
                    Inflating parts = from == null
                            ? new Inflating(ch, deflate, null, start, end - start, in, check ? new Adler32() : null, id)
                            : new Inflating(ch, from.position(), from.dictionary(), start - from.content(), end - start, in, null, id);
                    try {
                        if (!reads.send(parts::next, out)) {
                            return false;
                        }
                    } finally {
                        parts.end();
                    }
                } finally {
                    reads.giveBack(in);
                }
                if (check) {
                    reads.checked(file, offset, attributes);
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Where the deflate stream of the entry at {@code offset} starts (after its 2-byte zlib header), or -1 when the
     * entry is not a whole blob of {@code size} bytes in a zlib stream without a preset dictionary.
     */
    private static long deflateStart(FileChannel ch, long offset, long size) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(16 + 2);
        while (h.hasRemaining() && ch.read(h, offset + h.position()) > 0) {
            // positional reads until full or end of file
        }
        byte[] a = h.array();
        int n = h.position();
        int i = 0;
        if (n == 0) {
            return -1;
        }
        int c = a[i++] & 0xff;
        if ((c >> 4 & 7) != Constants.OBJ_BLOB) {
            return -1; // a delta (or not a blob): JGit resolves it
        }
        long sz = c & 15;
        int shift = 4;
        while ((c & 0x80) != 0) {
            if (i >= n || shift > 56) {
                return -1;
            }
            c = a[i++] & 0xff;
            sz += (long) (c & 0x7f) << shift;
            shift += 7;
        }
        if (sz != size || i + 2 > n) {
            return -1;
        }
        int cmf = a[i] & 0xff;
        int flg = a[i + 1] & 0xff;
        if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (cmf << 8 | flg) % 31 != 0 || (flg & 0x20) != 0) {
            return -1;
        }
        return offset + i + 2;
    }

    /** A stored block holding a range's first byte: its header's position, its first content offset, the content before it. */
    private record Seek(long position, long content, byte[] dictionary) {
    }

    /** A stored block's payload: where it is in the file and its length. */
    private record Payload(long position, int length) {
    }

    /**
     * Walks the stored blocks to the one holding content offset {@code start}, from the last checkpoint of
     * {@code index} far enough before it to see the {@value #WINDOW} bytes before that block (a stored block holds
     * at most 65,535), recording checkpoints on the way; null when a block before it is not a stored one (the
     * range is inflated from the start).
     */
    private static Seek seek(FileChannel ch, StoredBlockIndex index, long start, ObjectId id) throws IOException {
        ByteBuffer h = ByteBuffer.allocateDirect(5);
        ArrayDeque<Payload> recent = new ArrayDeque<>(); // the blocks holding the last WINDOW bytes before `pos`
        long recentBytes = 0;
        long[] from = index.floor(Math.max(0, start - WINDOW - 65_535));
        long content = from[0];
        long pos = from[1];
        while (true) {
            h.clear();
            while (h.hasRemaining()) {
                if (ch.read(h, pos + h.position()) < 0) {
                    throw new CorruptObjectException(id, "packed object is truncated");
                }
            }
            int type = h.get(0) >> 1 & 3;
            int len = (h.get(1) & 0xff) | (h.get(2) & 0xff) << 8;
            int nlen = (h.get(3) & 0xff) | (h.get(4) & 0xff) << 8;
            if (type != 0 || (len ^ nlen) != 0xffff) {
                return null; // compressed (or not what it seems: inflating from the start reports it)
            }
            index.add(content, pos); // every block before this one is stored
            if (content + len > start) {
                return new Seek(pos, content, dictionary(ch, recent, recentBytes, id));
            }
            if ((h.get(0) & 1) == 1) {
                return null; // the last block ends before the range: inflating reports the short object
            }
            if (len > 0) {
                recent.addLast(new Payload(pos + 5, len));
                recentBytes += len;
                while (recentBytes - recent.peekFirst().length() >= WINDOW) {
                    recentBytes -= recent.removeFirst().length();
                }
            }
            content += len;
            pos += 5 + len;
        }
    }

    /** The last (up to) {@value #WINDOW} content bytes of the blocks in {@code recent}, or null when there are none. */
    private static byte[] dictionary(FileChannel ch, ArrayDeque<Payload> recent, long recentBytes, ObjectId id) throws IOException {
        if (recentBytes == 0) {
            return null;
        }
        int size = (int) Math.min(WINDOW, recentBytes);
        ByteBuffer d = ByteBuffer.allocate(size);
        long skip = recentBytes - size; // of the first block's payload
        for (Payload p : recent) {
            long from = p.position() + skip;
            int n = (int) (p.length() - skip);
            skip = 0;
            d.limit(d.position() + n);
            while (d.hasRemaining()) {
                if (ch.read(d, from + n - d.remaining()) < 0) {
                    throw new CorruptObjectException(id, "packed object is truncated");
                }
            }
        }
        return d.array();
    }

    /**
     * The parts of a send ({@link LargeBlobReads.Source}): the raw deflate stream inflated from file position
     * {@code pos} (a block's start), its first {@code skip} bytes of content dropped, then {@code length} bytes.
     * With {@code adler} (a send of the whole content) the stream must end right after it, followed by its zlib
     * checksum, before the last part is returned.
     */
    private static final class Inflating {
        private final FileChannel ch;
        private final ByteBuffer in;
        private final Adler32 adler;
        private final ObjectId id;
        private final Inflater inflater = new Inflater(true);
        private long filePos;
        private long skip;
        private long left;

        Inflating(FileChannel ch, long pos, byte[] dictionary, long skip, long length, ByteBuffer in, Adler32 adler, ObjectId id) {
            this.ch = ch;
            this.filePos = pos;
            this.skip = skip;
            this.left = length;
            this.in = in;
            this.adler = adler;
            this.id = id;
            if (dictionary != null) {
                inflater.setDictionary(dictionary);
            }
            in.clear().limit(0);
        }

        ByteBuffer next(ByteBuffer buf) throws IOException {
            try {
                while (left > 0) {
                    buf.clear().limit((int) Math.min(buf.capacity(), skip > 0 ? skip : left));
                    while (buf.hasRemaining()) {
                        if (inflater.needsInput()) {
                            fill();
                        }
                        int n = inflater.inflate(buf);
                        if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
                            throw new CorruptObjectException(id, "packed object is shorter than its header says");
                        }
                    }
                    buf.flip();
                    if (skip > 0) {
                        skip -= buf.remaining();
                        continue;
                    }
                    left -= buf.remaining();
                    if (adler != null) {
                        adler.update(buf.duplicate());
                        if (left == 0) {
                            checkEnd(); // before the last bytes leave
                        }
                    }
                    return buf;
                }
                return null;
            } catch (DataFormatException e) {
                throw new CorruptObjectException(id, "packed object is damaged: " + e.getMessage());
            }
        }

        /** Reads the next part of the file into {@code in} for the inflater. */
        private void fill() throws IOException {
            in.clear();
            int n = ch.read(in, filePos);
            if (n <= 0) {
                throw new CorruptObjectException(id, "packed object is truncated");
            }
            in.flip();
            inflater.setInput(in);
            filePos += n;
        }

        /** The deflate stream ends where the content does, and the 4 bytes after it are the content's Adler-32. */
        private void checkEnd() throws IOException, DataFormatException {
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!inflater.finished()) {
                if (inflater.needsInput()) {
                    fill();
                }
                if (inflater.inflate(one) > 0) {
                    throw new CorruptObjectException(id, "packed object is longer than its header says");
                }
                if (inflater.needsDictionary()) {
                    throw new CorruptObjectException(id, "packed object is damaged");
                }
            }
            long trailer = filePos - inflater.getRemaining();
            ByteBuffer t = ByteBuffer.allocate(4);
            while (t.hasRemaining()) {
                if (ch.read(t, trailer + t.position()) < 0) {
                    throw new CorruptObjectException(id, "packed object is truncated");
                }
            }
            if (t.getInt(0) != (int) adler.getValue()) {
                throw new CorruptObjectException(id, "packed object is damaged (zlib checksum)");
            }
        }

        void end() {
            inflater.end();
        }
    }
}
