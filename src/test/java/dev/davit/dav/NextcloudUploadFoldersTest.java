package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.LockStoreContract.MutableClock;
import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.RepoPath;
import dev.davit.storage.Repositories;
import dev.davit.storage.Snapshot;

/**
 * The storage tier of Nextcloud's chunked upload v2 (and ownCloud's chunking NG): the upload folders on disk,
 * outside every repository, per user; chunks assembled in name order into one blob of a real repository.
 */
class NextcloudUploadFoldersTest {
    @TempDir
    Path tmp;

    final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));

    UploadFolders folders() {
        return new UploadFolders(tmp.resolve("data/.davit/uploads"), clock, Duration.ofHours(24));
    }

    static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void chunksSentOutOfOrderAreAssembledInNameOrderIntoOneBlob() throws Exception {
        UploadFolders f = folders();
        assertThat(f.create("alice", "4041817889")).isTrue();
        f.putChunk("alice", "4041817889", "0000000000000002", bytes("three"), 0);
        f.putChunk("alice", "4041817889", "0000000000000000", bytes("one-"), 0);
        f.putChunk("alice", "4041817889", "0000000000000001", bytes("two-"), 0);
        assertThat(f.list("alice", "4041817889").orElseThrow()).extracting(UploadFolders.Chunk::name)
                .containsExactly("0000000000000000", "0000000000000001", "0000000000000002");
        try (Repositories repos = new Repositories(tmp.resolve("data"), false, 0)) {
            GitRepository repo = repos.createIfMissing("alice", "files", null, new Identity("alice", "alice@example.org"));
            UploadFolders.Claimed c = f.claim("alice", "4041817889").orElseThrow();
            assertThat(c.total()).isEqualTo(13);
            ObjectId blob;
            try (InputStream in = c.stream()) {
                blob = repo.insertBlob(in, c.total());
            }
            repo.write(new Identity("alice", "alice@example.org"), "PUT big.bin", edit -> {
                edit.putFile(RepoPath.parse("big.bin"), blob);
                return null;
            });
            c.done();
            try (Snapshot s = repo.head(); InputStream in = s.open(s.lookup(RepoPath.parse("big.bin")).orElseThrow())) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("one-two-three");
            }
            // The chunks lived outside the repository and are gone once committed.
            assertThat(f.list("alice", "4041817889")).isEmpty();
        }
        // Looked at once the repository is closed (its disk writer works in the background until then).
        try (var walk = Files.walk(tmp.resolve("data"))) {
            assertThat(walk.filter(p -> p.toString().contains(".davit" + java.io.File.separator + "uploads")).count())
                    .as("only the user's folder of uploads is left").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void eachUserHasTheirOwnFoldersEvenForTheSameTransferId() throws Exception {
        UploadFolders f = folders();
        f.create("alice", "7");
        f.putChunk("alice", "7", "1", bytes("alice's"), 0);
        assertThat(f.list("bob", "7")).isEmpty();
        assertThatThrownBy(() -> f.putChunk("bob", "7", "1", bytes("bob's"), 0)).isInstanceOf(NoSuchFileException.class);
        assertThat(f.delete("bob", "7")).isFalse();
        assertThat(f.list("alice", "7").orElseThrow()).hasSize(1);
    }

    @Test
    void aChunkSetPastTheLimitIsRefusedWhileItArrivesAndTheEarlierChunksStay() throws Exception {
        UploadFolders f = folders();
        f.create("alice", "9");
        f.putChunk("alice", "9", "1", bytes("12345"), 8);
        assertThatThrownBy(() -> f.putChunk("alice", "9", "2", bytes("6789"), 8))
                .isInstanceOfSatisfying(DavProblem.class, p -> assertThat(p.status()).isEqualTo(413));
        assertThat(f.list("alice", "9").orElseThrow()).extracting(UploadFolders.Chunk::name).containsExactly("1");
        // Replacing a chunk counts its new size only.
        f.putChunk("alice", "9", "1", bytes("12"), 8);
        f.putChunk("alice", "9", "2", bytes("345678"), 8);
    }

    @Test
    void anUploadUntouchedForTheSetTimeIsDeletedAndATouchedOneKept() throws Exception {
        UploadFolders f = folders();
        f.create("alice", "old");
        f.putChunk("alice", "old", "1", bytes("x"), 0);
        clock.advance(Duration.ofHours(20));
        f.create("alice", "young");
        clock.advance(Duration.ofHours(5)); // old: 25 h untouched, young: 5 h
        assertThat(f.removeAbandoned()).isEqualTo(1);
        assertThat(f.list("alice", "old")).isEmpty();
        assertThat(f.list("alice", "young")).isPresent();
        f.putChunk("alice", "young", "1", bytes("y"), 0); // touched: the 24 h start again
        clock.advance(Duration.ofHours(23));
        assertThat(f.removeAbandoned()).isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(f.removeAbandoned()).isEqualTo(1);
    }

    @Test
    void aRefusedFinalMoveGivesTheChunksBack() throws Exception {
        UploadFolders f = folders();
        f.create("alice", "5");
        f.putChunk("alice", "5", "1", bytes("x"), 0);
        UploadFolders.Claimed c = f.claim("alice", "5").orElseThrow();
        assertThat(f.claim("alice", "5")).isEmpty(); // a second MOVE of the same upload finds nothing
        c.giveBack();
        assertThat(f.list("alice", "5").orElseThrow()).hasSize(1);
    }

    @Test
    void namesThatCouldEscapeTheFolderAreRefused() {
        UploadFolders f = folders();
        assertThatThrownBy(() -> f.create("alice", "a/b")).isInstanceOf(DavProblem.class);
        assertThatThrownBy(() -> f.create("alice", "")).isInstanceOf(DavProblem.class);
    }
}
