package dev.davit.storage;

import dev.davit.storage.history.History;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A commit's message is stored as given: GitHub clients read back exactly what they sent (issue 13). */
class CommitMessageTest {
    @TempDir
    Path tmp;

    @Test
    void aMessageIsStoredExactlyAsGiven() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            for (String message : new String[] {"no newline", "two lines\n\nbody", "ends in one\n", "ends in two\n\n"}) {
                WriteResult<Void> r = f.repo.write(StorageFixture.ALICE, message, edit -> {
                    RepoPath p = StorageFixture.p("f.txt");
                    edit.putFile(p, f.blob(message + "!"));
                    return null;
                });
                assertThat(History.of(f.repo).commit(r.revision()).message()).isEqualTo(message);
            }
        }
    }
}
