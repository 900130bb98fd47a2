package dev.davit.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.merge.MergeAlgorithm;
import org.eclipse.jgit.merge.MergeChunk;
import org.eclipse.jgit.merge.MergeFormatter;
import org.eclipse.jgit.merge.MergeResult;

/**
 * A line-based three-way merge of one file, git's own (JGit's {@link MergeAlgorithm}, histogram diff):
 * the changes from {@code base} to {@code yours} and from {@code base} to {@code current} are combined;
 * where both changed the same lines the result is a conflict. Binary content (git's test: a NUL byte in
 * the first 8000 bytes) is never merged. Stateless and thread-safe.
 */
public final class TextMerge {
    /** The labels of the conflict markers: {@code <<<<<<< yours}, {@code =======}, {@code >>>>>>> current}. */
    public static final String YOURS = "yours";
    public static final String CURRENT = "current";
    public static final String BASE = "base";

    private TextMerge() {
    }

    /** Git's test for binary content: a NUL byte in the first 8000 bytes. */
    public static boolean isBinary(byte[] bytes) {
        return RawText.isBinary(bytes);
    }

    /**
     * Merges. {@code yours} wins nothing by default: both sides' changes are kept where they do not
     * overlap, and every overlap is reported.
     */
    public static MergeOutcome merge(byte[] base, byte[] current, byte[] yours) {
        if (RawText.isBinary(base) || RawText.isBinary(current) || RawText.isBinary(yours)) {
            return new MergeOutcome(MergeOutcome.Kind.BINARY, null, List.of());
        }
        RawText b = new RawText(base);
        RawText c = new RawText(current);
        RawText y = new RawText(yours);
        MergeResult<RawText> result = new MergeAlgorithm().merge(RawTextComparator.DEFAULT, b, y, c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new MergeFormatter().formatMerge(out, result, List.of(BASE, YOURS, CURRENT), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        if (!result.containsConflicts()) {
            return new MergeOutcome(MergeOutcome.Kind.CLEAN, out.toByteArray(), List.of());
        }
        return new MergeOutcome(MergeOutcome.Kind.CONFLICT, out.toByteArray(), conflicts(result));
    }

    /**
     * The overlapping hunks. JGit reports a conflict as consecutive chunks: the first conflicting range
     * (sequence 1, yours), optionally the base range, then the next conflicting range (sequence 2, current).
     */
    private static List<MergeOutcome.Conflict> conflicts(MergeResult<RawText> result) {
        List<MergeOutcome.Conflict> out = new ArrayList<>();
        List<RawText> seqs = result.getSequences();
        MergeOutcome.Hunk base = null;
        MergeOutcome.Hunk mine = null;
        for (MergeChunk chunk : result) {
            MergeOutcome.Hunk h = hunk(seqs.get(chunk.getSequenceIndex()), chunk);
            switch (chunk.getConflictState()) {
                case FIRST_CONFLICTING_RANGE -> {
                    mine = h;
                    base = null;
                }
                case BASE_CONFLICTING_RANGE -> base = h;
                case NEXT_CONFLICTING_RANGE -> {
                    out.add(new MergeOutcome.Conflict(base, mine, h));
                    mine = null;
                    base = null;
                }
                default -> {
                }
            }
        }
        return out;
    }

    private static MergeOutcome.Hunk hunk(RawText text, MergeChunk chunk) {
        String lines = chunk.getEnd() > chunk.getBegin() ? text.getString(chunk.getBegin(), chunk.getEnd(), false) : "";
        return new MergeOutcome.Hunk(chunk.getBegin() + 1, chunk.getEnd() - chunk.getBegin(), lines);
    }
}
