package dev.davit.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared lock store contract on the file store, plus what only it promises: locks survive a reopen
 * (a server restart), expired ones do not come back, and the file is replaced whole (no .tmp left).
 */
class FileLockStoreTest extends LockStoreContract {
    @TempDir
    Path dir;

    /** In a folder that does not exist yet, as on a fresh data directory. */
    Path file() {
        return dir.resolve(".davit").resolve("locks.db");
    }

    @Override
    protected LockStore newStore(Clock clock) throws IOException {
        return new FileLockStore(file(), clock);
    }

    FileLockStore reopen() throws IOException {
        return new FileLockStore(file(), clock);
    }

    List<Path> filesInStoreFolder() throws IOException {
        try (Stream<Path> s = Files.list(file().getParent())) {
            return s.toList();
        }
    }

    @Test
    void locksSurviveAReopenWithEveryField() throws Exception {
        Lock file = store.create(exclusive("docs/a b.txt", false));
        Lock folder = store.create(lock(REPO, "d", Lock.Scope.SHARED, true, "bob"));
        Lock other = store.create(lock(OTHER_REPO, "", Lock.Scope.EXCLUSIVE, true, "carol"));
        Lock empty = new Lock("opaquelocktoken:e", REPO, "new.txt", Lock.Scope.EXCLUSIVE, false, "alice", "", 60,
                clock.instant().plusSeconds(60), true);
        store.create(empty);

        FileLockStore again = reopen();
        assertThat(again.get(REPO, file.token())).contains(file);
        assertThat(again.get(REPO, folder.token())).contains(folder);
        assertThat(again.get(OTHER_REPO, other.token())).contains(other);
        assertThat(again.get(REPO, empty.token())).contains(empty);
        assertThat(again.covering(REPO, "d/x/y")).containsExactly(folder);
        // Collisions hold across the restart.
        assertThat(again.within(REPO, "")).containsExactlyInAnyOrder(file, folder, empty);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> again.create(exclusive("d/x", false)))
                .isInstanceOf(LockConflictException.class);
    }

    @Test
    void ownerXmlWithTabsNewlinesAndUnicodeSurvivesAReopen() throws Exception {
        Lock l = new Lock("opaquelocktoken:odd", REPO, "Ünïcødé/tab\there.txt", Lock.Scope.EXCLUSIVE, false, "zoë",
                "<D:href xmlns:D=\"DAV:\">line1\nline2\ttab # not a comment</D:href>", 60, clock.instant().plusSeconds(60), false);
        store.create(l);
        assertThat(reopen().get(REPO, l.token())).contains(l);
    }

    @Test
    void refreshAndRemoveAreKeptAcrossAReopen() throws Exception {
        Lock refreshed = store.create(exclusive("a.txt", false));
        Lock removed = store.create(exclusive("b.txt", false));
        clock.advance(Duration.ofSeconds(500));
        Lock r = store.refresh(REPO, refreshed.token(), 300).orElseThrow();
        store.remove(REPO, removed.token());

        FileLockStore again = reopen();
        assertThat(again.get(REPO, refreshed.token())).contains(r);
        assertThat(again.get(REPO, removed.token())).isEmpty();
    }

    @Test
    void removeWithinIsKeptAcrossAReopen() throws Exception {
        store.create(exclusive("d/a.txt", false));
        Lock keep = store.create(exclusive("e/a.txt", false));
        store.removeWithin(REPO, "d");
        assertThat(reopen().within(REPO, "")).containsExactly(keep);
    }

    @Test
    void expiredLocksDoNotComeBackOnReopen() throws Exception {
        Lock shortLived = store.create(new Lock("opaquelocktoken:short", REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "alice",
                "", 10, clock.instant().plusSeconds(10), false));
        Lock longLived = store.create(exclusive("b.txt", false));
        clock.advance(Duration.ofSeconds(11));

        FileLockStore again = reopen();
        assertThat(again.get(REPO, shortLived.token())).isEmpty();
        assertThat(again.covering(REPO, "a.txt")).isEmpty();
        assertThat(again.get(REPO, longLived.token())).contains(longLived);
        assertThat(again.create(lock(REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "bob"))).isNotNull();

        clock.advance(Duration.ofSeconds(TIMEOUT));
        assertThat(reopen().within(REPO, "")).hasSize(0);
    }

    @Test
    void theFileIsReplacedWholeAndNoTemporaryFileIsLeft() throws Exception {
        for (int i = 0; i < 20; i++) {
            Lock l = store.create(exclusive("f" + i + ".txt", false));
            store.refresh(REPO, l.token(), 100);
            if (i % 2 == 0) {
                store.remove(REPO, l.token());
            }
        }
        store.removeWithin(REPO, "f1.txt");
        assertThat(filesInStoreFolder()).containsExactly(file());
        // Every line the store wrote reads back: nothing half-written.
        assertThat(reopen().within(REPO, "")).hasSize(9);
    }

    @Test
    void aStoreThatNeverChangedCreatesNoFileButAFreshOneOpens() throws Exception {
        assertThat(Files.exists(file())).isFalse();
        assertThat(reopen().within(REPO, "")).isEmpty();
    }

    @Test
    void aFailedCreateDoesNotTouchTheFile() throws Exception {
        store.create(exclusive("a.txt", false));
        byte[] before = Files.readAllBytes(file());
        try {
            store.create(exclusive("a.txt", false));
        } catch (LockConflictException expected) {
            // the collision is the point
        }
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
        assertThat(filesInStoreFolder()).containsExactly(file());
    }

    // --- damaged files (issue 14): never a silent loss, never an unnamed error ---

    byte[] goodFileWithTwoLocks() throws Exception {
        store.create(exclusive("a.txt", false));
        store.create(exclusive("b.txt", false));
        return Files.readAllBytes(file());
    }

    void assertRefused(byte[] content, String... what) throws Exception {
        Files.write(file(), content);
        org.assertj.core.api.Assertions.assertThatThrownBy(this::reopen)
                .isInstanceOf(DamagedLockDatabaseException.class)
                .hasMessageContaining(file().toAbsolutePath().toString())
                .hasMessageContaining("locks.damaged=discard")
                .hasMessageContaining(what[0]);
        assertThat(Files.readAllBytes(file())).as("the damaged file is left as it was").isEqualTo(content);
    }

    @Test
    void randomBytesStopTheStartNamingTheFile() throws Exception {
        goodFileWithTwoLocks();
        byte[] random = new byte[37];
        new java.util.Random(14).nextBytes(random);
        assertRefused(random, "not text");
        // Random bytes that happen to be ASCII still say what is wrong.
        assertRefused("hello world\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "does not start with 'davit-locks 2'");
    }

    @Test
    void anEmptyFileStopsTheStart() throws Exception {
        goodFileWithTwoLocks();
        assertRefused(new byte[0], "empty");
    }

    @Test
    void aFileTruncatedAnywhereStopsTheStart() throws Exception {
        byte[] good = goodFileWithTwoLocks();
        for (int cut = 1; cut < good.length; cut++) {
            Files.write(file(), java.util.Arrays.copyOf(good, cut));
            org.assertj.core.api.Assertions.assertThatThrownBy(this::reopen).as("cut at %d of %d", cut, good.length)
                    .isInstanceOf(DamagedLockDatabaseException.class).hasMessageContaining("locks.db");
        }
        Files.write(file(), good);
        assertThat(reopen().within(REPO, "")).hasSize(2);
    }

    @Test
    void aChangedByteFailsTheChecksum() throws Exception {
        byte[] good = goodFileWithTwoLocks();
        byte[] bad = good.clone();
        int i = new String(good, java.nio.charset.StandardCharsets.UTF_8).indexOf("\n") + 3;
        bad[i] = (byte) (bad[i] == 'A' ? 'B' : 'A');
        assertRefused(bad, "checksum");
    }

    @Test
    void discardKeepsTheFileBesideAndStartsEmpty() throws Exception {
        byte[] good = goodFileWithTwoLocks();
        byte[] bad = java.util.Arrays.copyOf(good, good.length - 5);
        Files.write(file(), bad);
        FileLockStore again = new FileLockStore(file(), clock, true);
        assertThat(again.within(REPO, "")).isEmpty();
        List<Path> files = filesInStoreFolder();
        assertThat(files).hasSize(1);
        assertThat(files.get(0).getFileName().toString()).startsWith("locks.db.damaged-");
        assertThat(Files.readAllBytes(files.get(0))).isEqualTo(bad);
        again.create(exclusive("c.txt", false));
        assertThat(reopen().within(REPO, "")).hasSize(1);
    }

    @Test
    void aFileOfTheFirstFormatIsReadAndRewrittenWithAChecksum() throws Exception {
        Lock l = new Lock("opaquelocktoken:v1", REPO, "a.txt", Lock.Scope.EXCLUSIVE, false, "alice", "", 60,
                clock.instant().plusSeconds(60), false);
        java.util.Base64.Encoder e = java.util.Base64.getUrlEncoder().withoutPadding();
        java.util.function.Function<String, String> b = x -> e.encodeToString(x.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "# Davit WebDAV locks: token repository root scope infinite principal owner timeout expires createdEmpty\n"
                + String.join("\t", b.apply(l.token()), b.apply(REPO), b.apply("a.txt"), "EXCLUSIVE", "false", b.apply("alice"), "", "60",
                Long.toString(l.expires().toEpochMilli()), "false") + "\n");
        assertThat(reopen().get(REPO, l.token())).contains(l);
        assertThat(Files.readString(file())).startsWith(FileLockStore.MAGIC + "\n").contains("\nsha256 ");
        assertThat(reopen().get(REPO, l.token())).contains(l);
    }

    @Test
    void aLeftoverTemporaryFileFromACrashIsIgnored() throws Exception {
        goodFileWithTwoLocks();
        Files.write(file().resolveSibling("locks.db.tmp"), new byte[] {1, 2, 3});
        assertThat(reopen().within(REPO, "")).hasSize(2);
        assertThat(filesInStoreFolder()).containsExactly(file());
    }
}
