package dev.davit.storage;

import java.io.IOException;
import java.util.Map;

/**
 * A front end's keeper of what it holds beside each repository (dav's sync-client metadata: file ids, client
 * times), as cluster mode replicates it: each change it makes is a note, committed through the replicated log
 * ({@link GitRepository#commitNote}) and applied on every node in the log's order by the keeper registered for
 * its kind ({@link Repositories#keepNotes}). The bytes of a note are the keeper's own.
 */
public interface NoteKeeper {
    /**
     * A keeper's whole state of one repository as of the note of log index {@code index} (-1: none applied):
     * its files by name, in the keeper's own format.
     */
    record State(long index, Map<String, byte[]> files) {
        public State {
            files = Map.copyOf(files);
        }
    }

    /**
     * Applies a committed note, on every node in the log's order; the log is replayed at each start, so a
     * keeper that keeps its notes on disk skips those it applied before.
     *
     * @param index the note's place in the log
     */
    void apply(GitRepository repo, byte[] note, long index) throws IOException;

    /**
     * The repository's state with the index of the last note applied to it, taken while no note is applied (no
     * note is half in it), for a node that fell behind the start of the log and catches up from this one.
     */
    State export(GitRepository repo) throws IOException;

    /**
     * Replaces the repository's state with another node's {@link #export}, at once (a crash leaves the old state
     * or the new one): the notes up to its index are then skipped like those applied before a restart.
     *
     * @throws IOException when the state is not one this keeper exported (unknown or missing files)
     */
    void replace(GitRepository repo, State state) throws IOException;
}
