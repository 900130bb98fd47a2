package dev.davit.storage;

import java.io.IOException;

/**
 * A front end's keeper of what it holds beside each repository (dav's sync-client metadata: file ids, client
 * times), as cluster mode replicates it: each change it makes is a note, committed through the replicated log
 * ({@link GitRepository#commitNote}) and applied on every node in the log's order by the keeper registered for
 * its kind ({@link Repositories#keepNotes}). The bytes of a note are the keeper's own.
 */
@FunctionalInterface
public interface NoteKeeper {
    /**
     * Applies a committed note, on every node in the log's order; the log is replayed at each start, so a
     * keeper that keeps its notes on disk skips those it applied before.
     *
     * @param index the note's place in the log
     */
    void apply(GitRepository repo, byte[] note, long index) throws IOException;
}
