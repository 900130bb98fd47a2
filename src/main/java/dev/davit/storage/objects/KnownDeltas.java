package dev.davit.storage.objects;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import org.eclipse.jgit.internal.storage.pack.DeltaEncoder;
import org.eclipse.jgit.internal.storage.pack.StoredObjectRepresentation;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The deltas of a disk-writer pack that are known without searching: each tree a write replaced is stored as a
 * delta of the version that replaced it ({@link NewObject#previous}), the newest version whole, as git stores
 * the newer version whole and older ones as deltas of it (the newest is the one read most).
 *
 * <p>Why not JGit's delta search alone: it finds the same pairs, but it hashes every 16-byte block of each
 * candidate base to find them, and a folder of a few thousand files is a tree of a few hundred KB that every
 * write into it rewrites. With 1 KiB PUTs into a growing folder that search was two thirds of the disk writer's
 * samples and about a quarter of the server's CPU (JFR, 4 connections, ~7,000 files). Two versions of a
 * folder differ by the entries the write changed, so the delta is the common start and end of the two byte
 * arrays ({@link Arrays#mismatch}, a vectorized compare) and the bytes between: no index to build. JGit's
 * {@link DeltaEncoder} writes it in git's delta format; {@link NewObjectReader} hands it to JGit's
 * {@code PackWriter} as a stored delta to copy, which writes it with the pack's offsets and checksums.
 */
public final class KnownDeltas {
    /** The longest chain of deltas to reach a whole object (git's {@code pack.depth}). */
    static final int MAX_DEPTH = 50;

    /** A delta of an object against {@code base}: git's delta bytes deflated, and their length before that. */
    public record Delta(ObjectId base, byte[] deflated, int rawLength) {
        StoredObjectRepresentation representation() {
            Delta d = this;
            return new StoredObjectRepresentation() {
                @Override
                public int getFormat() {
                    return PACK_DELTA;
                }

                @Override
                public ObjectId getDeltaBase() {
                    return d.base;
                }

                @Override
                public int getWeight() {
                    return d.deflated.length;
                }
            };
        }
    }

    private KnownDeltas() {
    }

    /**
     * The deltas for {@code fresh}, the objects of one pack in the order they were made: an older version of a
     * tree becomes a delta of the next one when that is in the pack too and made after it (so no chain has a
     * cycle, even when a folder goes back to an earlier content), at most {@link #MAX_DEPTH} deep, and only
     * when the delta is less than half the tree.
     */
    public static Map<ObjectId, Delta> plan(Map<ObjectId, NewObject> fresh) throws IOException {
        List<NewObject> order = List.copyOf(fresh.values());
        Map<ObjectId, Integer> position = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            position.put(order.get(i).id(), i);
        }
        Map<ObjectId, NewObject> next = new HashMap<>();
        for (NewObject o : order) {
            if (o.type() != Constants.OBJ_TREE || o.previous() == null) {
                continue;
            }
            Integer before = position.get(o.previous());
            if (before != null && before < position.get(o.id()) && order.get(before).type() == Constants.OBJ_TREE) {
                next.putIfAbsent(o.previous(), o);
            }
        }
        Map<ObjectId, Delta> out = new HashMap<>();
        if (next.isEmpty()) {
            return out;
        }
        Map<ObjectId, Integer> depth = new HashMap<>();
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            for (int i = order.size() - 1; i >= 0; i--) {
                NewObject o = order.get(i);
                NewObject base = next.get(o.id());
                if (base == null) {
                    continue;
                }
                int d = depth.getOrDefault(base.id(), 0) + 1;
                if (d > MAX_DEPTH) {
                    continue; // whole: a new chain starts here
                }
                byte[] delta = delta(base.bytes(), o.bytes());
                if (delta.length >= o.bytes().length / 2) {
                    continue;
                }
                out.put(o.id(), new Delta(base.id(), deflate(deflater, delta), delta.length));
                depth.put(o.id(), d);
            }
        } finally {
            deflater.end();
        }
        return out;
    }

    /** Git's delta making {@code target} from {@code base}: copy their common start, insert the middle, copy their common end. */
    public static byte[] delta(byte[] base, byte[] target) throws IOException {
        int shorter = Math.min(base.length, target.length);
        int start = Arrays.mismatch(base, target);
        if (start < 0) {
            start = base.length; // equal (not two versions of a folder, but correct all the same)
        }
        int end = commonEnd(base, target, shorter - start);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + target.length - start - end);
        DeltaEncoder enc = new DeltaEncoder(bytes, base.length, target.length);
        enc.copy(0, start);
        enc.insert(target, start, target.length - start - end);
        enc.copy(base.length - end, end);
        return bytes.toByteArray();
    }

    /** The length of the longest common end of {@code a} and {@code b}, at most {@code max}: compared a block at a time from the end. */
    static int commonEnd(byte[] a, byte[] b, int max) {
        final int block = 4096;
        int n = 0;
        while (n < max) {
            int step = Math.min(block, max - n);
            if (Arrays.equals(a, a.length - n - step, a.length - n, b, b.length - n - step, b.length - n)) {
                n += step;
                continue;
            }
            while (a[a.length - 1 - n] == b[b.length - 1 - n]) {
                n++;
            }
            return n;
        }
        return n;
    }

    private static byte[] deflate(Deflater deflater, byte[] raw) throws IOException {
        deflater.reset();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length / 2 + 16);
        try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, deflater, 512)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }
}
