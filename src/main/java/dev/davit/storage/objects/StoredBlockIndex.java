package dev.davit.storage.objects;

import java.util.Arrays;

/**
 * Where some stored blocks of a packed blob's deflate stream start, learnt by walking their headers
 * ({@link PackedBlobs}): one checkpoint per {@value #STEP} bytes of content or more, so a range is found by walking
 * at most that far instead of from the start of the stream (each header one read of the file: ~50,000 of them
 * to the end of a 1 GiB blob). Only blocks all of whose predecessors are stored are ever recorded. Thread-safe.
 */
final class StoredBlockIndex {
    /** Content between two checkpoints (16 bytes of memory per MiB of blob). */
    static final long STEP = 1 << 20;

    private final LargeBlobReads.Identity identity;
    /** Content offset and file position of each checkpoint's block header, ascending; the first is the stream's start. */
    private long[] contents = new long[16];
    private long[] positions = new long[16];
    private int count;

    StoredBlockIndex(LargeBlobReads.Identity identity, long deflateStart) {
        this.identity = identity;
        contents[0] = 0;
        positions[0] = deflateStart;
        count = 1;
    }

    LargeBlobReads.Identity identity() {
        return identity;
    }

    /** The last checkpoint at or before content offset {@code content}: {content offset, file position}. */
    synchronized long[] floor(long content) {
        int i = Arrays.binarySearch(contents, 0, count, content);
        if (i < 0) {
            i = -i - 2; // the insertion point's predecessor; content >= 0 = contents[0], so i >= 0
        }
        return new long[] {contents[i], positions[i]};
    }

    /** Records the block header at {@code position}, holding content from {@code content}, if it is {@link #STEP} past the last. */
    synchronized void add(long content, long position) {
        if (content < contents[count - 1] + STEP) {
            return;
        }
        if (count == contents.length) {
            contents = Arrays.copyOf(contents, count * 2);
            positions = Arrays.copyOf(positions, count * 2);
        }
        contents[count] = content;
        positions[count] = position;
        count++;
    }
}
