package dev.davit.storage.maintenance;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The types of a small pack's objects, read from their entry headers (git's pack format: the type in the
 * first byte; a delta names its base by offset or id, and has its base's type).
 *
 * <p>Why not JGit's {@code ObjectReader.open(id).getType()}: for a packed object that inflates it, and for a
 * delta resolves its whole chain, only to learn its type; in {@link PackMerge} that was over half of the
 * maintenance thread's samples under a PUT load (JFR, 4 connections, trees of a few hundred KB stored as
 * deltas of each other). JGit's header reader that knows better is not public.
 */
final class PackEntryTypes {
    private static final int OFS_DELTA = 6;
    private static final int REF_DELTA = 7;

    private final MappedByteBuffer pack;
    private final PackIndex index;
    private final Map<Long, Integer> byOffset = new HashMap<>();

    private PackEntryTypes(MappedByteBuffer pack, PackIndex index) {
        this.pack = pack;
        this.index = index;
    }

    /** For a pack under 2 GiB (merges take packs of at most {@link PackMerge#SMALL}). */
    static PackEntryTypes of(Path packFile, PackIndex index) throws IOException {
        try (FileChannel ch = FileChannel.open(packFile, StandardOpenOption.READ)) {
            return new PackEntryTypes(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()), index);
        }
    }

    /**
     * The type of the object at {@code offset}; -1 when the chain leads outside this pack (a delta whose base
     * is elsewhere) or the bytes are not a pack entry: the caller asks JGit then.
     */
    int typeAt(long offset) {
        List<Long> chain = new ArrayList<>();
        long pos = offset;
        int type = -1;
        for (int hops = 0; hops < 10_000; hops++) {
            Integer known = byOffset.get(pos);
            if (known != null) {
                type = known;
                break;
            }
            if (pos < 12 || pos >= pack.limit()) {
                return -1;
            }
            chain.add(pos);
            int p = (int) pos;
            int c = pack.get(p++) & 0xff;
            int t = (c >> 4) & 7;
            while ((c & 0x80) != 0 && p < pack.limit()) {
                c = pack.get(p++) & 0xff;
            }
            if (t >= Constants.OBJ_COMMIT && t <= Constants.OBJ_TAG) {
                type = t;
                break;
            } else if (t == OFS_DELTA) {
                c = pack.get(p++) & 0xff;
                long back = c & 127;
                while ((c & 128) != 0) {
                    c = pack.get(p++) & 0xff;
                    back = ((back + 1) << 7) + (c & 127);
                }
                pos -= back;
            } else if (t == REF_DELTA) {
                byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
                pack.get(p, raw);
                long base = index.findOffset(ObjectId.fromRaw(raw));
                if (base < 0) {
                    return -1;
                }
                pos = base;
            } else {
                return -1;
            }
        }
        if (type < 0) {
            return -1;
        }
        for (Long at : chain) {
            byOffset.put(at, type);
        }
        return type;
    }
}
