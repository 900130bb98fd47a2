package dev.davit.storage;

import java.util.List;

/**
 * What a {@link TextMerge} produced.
 *
 * @param kind      clean, conflicting, or not attempted because the content is binary
 * @param text      the merged bytes when clean; the text with conflict markers when conflicting; null for binary
 * @param conflicts the overlapping hunks, in file order (empty unless {@code kind} is CONFLICT)
 */
public record MergeOutcome(Kind kind, byte[] text, List<Conflict> conflicts) {
    public enum Kind { CLEAN, CONFLICT, BINARY }

    /**
     * Lines of one side taking part in a conflict.
     *
     * @param startLine first line, counted from 1 (for an empty range, the line it sits before)
     * @param lineCount number of lines (0: the side deleted them, or inserted nothing there)
     */
    public record Hunk(int startLine, int lineCount, String lines) {
    }

    /** One overlap: the same base lines changed on both sides. {@code base} may be null when JGit did not report it. */
    public record Conflict(Hunk base, Hunk yours, Hunk current) {
    }
}
