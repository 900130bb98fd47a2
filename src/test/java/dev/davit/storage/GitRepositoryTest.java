package dev.davit.storage;


import dev.davit.storage.objects.LooseObject;

import static dev.davit.storage.StorageFixture.ALICE;
import static dev.davit.storage.StorageFixture.BOB;
import static dev.davit.storage.StorageFixture.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRepositoryTest {
    @TempDir
    Path tmp;

    @Test
    void freshRepositoryHasNoCommitAndAnEmptyHead() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            assertThat(f.repo.headId()).isNull();
            assertThat(f.repo.owner()).isEqualTo("o");
            assertThat(f.repo.name()).isEqualTo("r");
            try (Snapshot s = f.repo.head()) {
                assertThat(s.revision()).isNull();
                assertThat(s.root().id()).isEqualTo(Snapshot.EMPTY_TREE);
                assertThat(s.lookup(p("a.txt"))).isEmpty();
            }
            assertThat(f.repo.jgit().getFullBranch()).isEqualTo(GitRepository.BRANCH);
        }
    }

    /** PROPFIND Depth 1 on the root of a repository without commits lists the root (no 500). */
    @Test
    void anEmptyRepositoryListsAnEmptyRoot() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            try (Snapshot s = f.repo.head()) {
                assertThat(s.list(s.root())).isEmpty();
                List<Entry> seen = new ArrayList<>();
                s.walk(s.root(), Integer.MAX_VALUE, (e, props) -> seen.add(e));
                assertThat(seen).isEmpty();
                assertThat(s.metadata(s.root())).isEmpty();
            }
        }
    }

    @Test
    void createIfMissingImportsTheSourceAsOneCommit() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("docs/empty"));
        Files.writeString(src.resolve("README.md"), "hello\n");
        Files.writeString(src.resolve("docs/a.txt"), "a\n");
        Files.writeString(src.resolve(".davitkeep"), "must be skipped\n");
        try (StorageFixture f = StorageFixture.withSource(tmp, src)) {
            assertThat(f.commitCount()).isEqualTo(1);
            assertThat(f.read("README.md")).isEqualTo("hello\n");
            assertThat(f.read("docs/a.txt")).isEqualTo("a\n");
            assertThat(f.lookup("docs/empty")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(f.walkAll()).containsExactly("README.md", "docs/", "docs/a.txt", "docs/empty/");
            RevCommit c = f.headCommit();
            assertThat(c.getAuthorIdent().getName()).isEqualTo(ALICE.name());
            f.assertFsckClean();
        }
        // opening again keeps the existing repository as it is
        try (Repositories again = new Repositories(tmp.resolve("data"), false)) {
            GitRepository r = again.createIfMissing("o", "r", src, BOB);
            try (Snapshot s = r.head()) {
                assertThat(StorageFixture.read(s, "README.md")).isEqualTo("hello\n");
            }
        }
    }

    @Test
    void oneWriteIsOneCommitWithTheGivenAuthorAndMessage() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            WriteResult<Void> first = f.put("a.txt", "one");
            assertThat(first.committed()).isTrue();
            assertThat(first.revision()).isEqualTo(f.repo.headId());
            assertThat(f.commitCount()).isEqualTo(1);

            ObjectId blob = f.blob("two");
            WriteResult<String> second = f.repo.write(BOB, "PUT b.txt\n\nbody line", edit -> {
                edit.putFile(p("b.txt"), blob);
                edit.putFile(p("a.txt"), blob);
                return "value";
            });
            assertThat(second.committed()).isTrue();
            assertThat(second.value()).isEqualTo("value");
            assertThat(second.revision()).isEqualTo(f.repo.headId());
            assertThat(f.commitCount()).isEqualTo(2);

            RevCommit c = f.headCommit();
            assertThat(c.getAuthorIdent().getName()).isEqualTo("Bob");
            assertThat(c.getAuthorIdent().getEmailAddress()).isEqualTo("bob@example.org");
            assertThat(c.getCommitterIdent().getName()).isEqualTo("Bob");
            assertThat(c.getFullMessage()).isEqualTo("PUT b.txt\n\nbody line"); // as given, no newline added
            assertThat(c.getShortMessage()).isEqualTo("PUT b.txt");
            assertThat(c.getParentCount()).isEqualTo(1);
            assertThat(c.getParent(0).getId()).isEqualTo(first.revision());
            assertThat(f.read("a.txt")).isEqualTo("two");
            assertThat(f.read("b.txt")).isEqualTo("two");

            RevCommit root = f.history().get(1);
            assertThat(root.getParentCount()).isZero();
            assertThat(root.getFullMessage()).isEqualTo("PUT a.txt");
            assertThat(root.getAuthorIdent().getName()).isEqualTo("Alice");
            f.assertFsckClean();
        }
    }

    /** A listing copies ASCII names as they are and decodes the others as UTF-8, in git's order. */
    @Test
    void aListingNamesAsciiAndUtf8MembersAlike() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            List<String> names = List.of("a.txt", "b c.txt", "\u00e4\u00f6.txt", "z\u00e9", "\u65e5\u672c.md", "\ud83d\ude00");
            for (String n : names) {
                f.put(n, n);
            }
            try (Snapshot s = f.repo.head()) {
                assertThat(s.list(s.root())).extracting(Entry::name).containsExactlyInAnyOrderElementsOf(names);
            }
        }
    }

    @Test
    void aMutationThatThrowsCommitsNothing() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "one");
            ObjectId head = f.repo.headId();
            ObjectId blob = f.blob("two");
            assertThatThrownBy(() -> f.repo.write(ALICE, "PUT", edit -> {
                edit.putFile(p("a.txt"), blob);
                edit.putFile(p("b.txt"), blob);
                throw new StaleException(p("a.txt"), null, "\"x\"", "stale");
            })).isInstanceOf(StaleException.class);
            assertThatThrownBy(() -> f.repo.write(ALICE, "PUT", edit -> {
                edit.putFile(p("c.txt"), blob);
                throw new IllegalStateException("boom");
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThatThrownBy(() -> f.repo.write(ALICE, "PUT", edit -> {
                edit.putFile(p("d.txt"), blob);
                edit.putFile(p("missing/e.txt"), blob);
                return null;
            })).isInstanceOf(MissingParentException.class);
            assertThat(f.repo.headId()).isEqualTo(head);
            assertThat(f.commitCount()).isEqualTo(1);
            assertThat(f.read("a.txt")).isEqualTo("one");
            assertThat(f.lookup("b.txt")).isEmpty();
            assertThat(f.lookup("c.txt")).isEmpty();
            assertThat(f.lookup("d.txt")).isEmpty();
        }
    }

    @Test
    void aWriteThatChangesNothingMakesNoCommit() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "same");
            ObjectId head = f.repo.headId();

            WriteResult<Void> again = f.put("a.txt", "same");
            assertThat(again.committed()).isFalse();
            assertThat(again.revision()).isEqualTo(head);

            WriteResult<Boolean> nothingToDelete = f.delete("nope.txt");
            assertThat(nothingToDelete.committed()).isFalse();
            assertThat(nothingToDelete.value()).isFalse();

            WriteResult<String> noop = f.repo.write(ALICE, "nothing", edit -> "v");
            assertThat(noop.committed()).isFalse();
            assertThat(noop.value()).isEqualTo("v");
            assertThat(noop.revision()).isEqualTo(head);

            WriteResult<Void> clearMissingProps = f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("a.txt"), null);
                return null;
            });
            assertThat(clearMissingProps.committed()).isFalse();

            assertThat(f.repo.headId()).isEqualTo(head);
            assertThat(f.commitCount()).isEqualTo(1);
        }
    }

    /**
     * A blob over {@link GitRepository#SMALL_BLOB} goes through {@link LargeBlobs}: stored deflate blocks
     * (level 0), so a 1 GB PUT runs at disk speed instead of zlib's. Even highly compressible bytes keep
     * their full size on disk, and the bytes read back are the ones sent.
     */
    @Test
    void aLargeBlobIsStoredUndeflatedAndReadsBackTheSameBytes() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] data = new byte[3 * GitRepository.SMALL_BLOB + 7];
            java.util.Arrays.fill(data, (byte) 'a');
            ObjectId id = f.repo.insertBlob(new ByteArrayInputStream(data), data.length);
            Path loose = LooseObject.path(f.gitDir().resolve("objects"), id);
            assertThat(loose).isRegularFile();
            assertThat(Files.size(loose)).as("stored, not deflated").isGreaterThan(data.length);
            f.repo.write(ALICE, "PUT big.bin", edit -> {
                edit.putFile(p("big.bin"), id);
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                Entry e = s.lookup(p("big.bin")).orElseThrow();
                try (InputStream in = s.open(e, s.size(e))) {
                    assertThat(in.readAllBytes()).isEqualTo(data);
                }
            }
        }
    }

    @Test
    void insertBlobWithUnknownLengthSpoolsAndStoresIdenticalBytes() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            byte[] data = new byte[300_000];
            new Random(42).nextBytes(data);
            ObjectId spooled = f.repo.insertBlob(new ByteArrayInputStream(data), -1);
            ObjectId direct = f.repo.insertBlob(new ByteArrayInputStream(data), data.length);
            ObjectId expected;
            try (ObjectInserter.Formatter fmt = new ObjectInserter.Formatter()) {
                expected = fmt.idFor(Constants.OBJ_BLOB, data);
            }
            assertThat(spooled).isEqualTo(expected).isEqualTo(direct);
            ObjectId empty = f.repo.insertBlob(new ByteArrayInputStream(new byte[0]), -1);
            assertThat(empty.name()).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");

            f.repo.write(ALICE, "PUT big.bin", edit -> {
                edit.putFile(p("big.bin"), spooled);
                return null;
            });
            try (Snapshot s = f.repo.head()) {
                Entry e = s.lookup(p("big.bin")).orElseThrow();
                assertThat(s.size(e)).isEqualTo(data.length);
                try (InputStream in = s.open(e)) {
                    assertThat(in.readAllBytes()).isEqualTo(data);
                }
            }
            try (var spool = Files.list(f.gitDir().resolve("davit-tmp"))) {
                assertThat(spool).as("spool files are removed").isEmpty();
            }
        }
    }

    @Test
    void atReadsAPastStateByAbbreviatedOrFullIdAndRefusesNonsense() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId c1 = f.put("a.txt", "v1").revision();
            ObjectId c2 = f.put("a.txt", "v2").revision();
            f.put("b.txt", "b");

            try (Snapshot s = f.repo.at(c1.abbreviate(7).name())) {
                assertThat(s.revision()).isEqualTo(c1);
                assertThat(StorageFixture.read(s, "a.txt")).isEqualTo("v1");
                assertThat(s.lookup(p("b.txt"))).isEmpty();
            }
            try (Snapshot s = f.repo.at(c2.name())) {
                assertThat(StorageFixture.read(s, "a.txt")).isEqualTo("v2");
            }
            try (Snapshot s = f.repo.at(c2.name().toUpperCase())) {
                assertThat(s.revision()).isEqualTo(c2);
            }
            try (Snapshot s = f.repo.at("main")) {
                assertThat(s.revision()).isEqualTo(f.repo.headId());
            }
            try (Snapshot s = f.repo.at(GitRepository.BRANCH)) {
                assertThat(StorageFixture.read(s, "b.txt")).isEqualTo("b");
            }
            assertThat(f.read("a.txt")).isEqualTo("v2");

            for (String bad : new String[] {"nonsense", "deadbeefdeadbeef", "HEAD~1", "main^", "", "refs/heads/nope",
                    "../../etc/passwd"}) {
                assertThatThrownBy(() -> f.repo.at(bad)).as("at(%s)", bad).isInstanceOf(NotFoundException.class);
            }
            // a blob or tree id is not a commit
            ObjectId blob = f.lookup("a.txt").orElseThrow().id();
            assertThatThrownBy(() -> f.repo.at(blob.name())).isInstanceOf(NotFoundException.class);
            // a full-length id that names no object at all (GET ?rev=<unknown 40-hex id>)
            assertThatThrownBy(() -> f.repo.at("0123456789012345678901234567890123456789")).isInstanceOf(NotFoundException.class);
        }
    }

    /** An abbreviated id that matches several objects names no single commit: NotFound, not an I/O error (500). */
    @Test
    void atWithAnAmbiguousAbbreviationIsNotFound() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.put("a.txt", "a");
            java.util.Map<String, ObjectId> byPrefix = new java.util.HashMap<>();
            String prefix = null;
            for (int i = 0; prefix == null; i++) {
                ObjectId id = f.blob("blob " + i);
                String key = id.name().substring(0, 4);
                ObjectId other = byPrefix.putIfAbsent(key, id);
                if (other != null && !other.equals(id)) {
                    prefix = key;
                }
            }
            String ambiguous = prefix;
            assertThatThrownBy(() -> f.repo.at(ambiguous)).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void treesWrittenAreValidGitInGitOrder() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            ObjectId b = f.blob("x");
            // names whose order differs between Java's String order, byte order and git's "folder + '/'" order
            f.repo.write(ALICE, "setup", edit -> {
                edit.mkdir(p("x"));
                edit.putFile(p("x/a"), b);
                edit.putFile(p("x/a.b"), b);
                edit.putFile(p("x/a-b"), b);
                edit.putFile(p("x/a0"), b);
                edit.mkdir(p("y"));
                edit.mkdir(p("y/a"));
                edit.putFile(p("y/a/inner"), b);
                edit.putFile(p("y/a.txt"), b);
                edit.putFile(p("y/a-b"), b);
                edit.putFile(p("y/a0"), b);
                edit.putFile(p("y/a b"), b);
                edit.putFile(p("y/\u00e9"), b);
                edit.putFile(p("y/\uFF21"), b);
                edit.putFile(p("y/\uD83D\uDE00"), b);
                edit.putFile(p("y/Z"), b);
                edit.mkdir(p("y/a.b"));
                edit.mkdir(p("y/ab"));
                return null;
            });
            f.assertFsckClean();
            assertThat(f.list("x")).containsExactly("a", "a-b", "a.b", "a0");
            assertThat(f.list("y")).containsExactly("Z", "a b", "a-b", "a.b", "a.txt", "a", "a0", "ab",
                    "\u00e9", "\uFF21", "\uD83D\uDE00");
            // every lookup finds its entry (a tree walk by path relies on the order)
            for (String path : new String[] {"x/a", "x/a.b", "x/a-b", "x/a0", "y/a", "y/a/inner", "y/a.txt", "y/a-b", "y/a0",
                    "y/\u00e9", "y/\uFF21", "y/\uD83D\uDE00", "y/a.b", "y/ab"}) {
                assertThat(f.lookup(path)).as(path).isPresent();
            }
            // editing on top of these trees keeps them valid
            f.repo.write(ALICE, "more", edit -> {
                edit.putFile(p("y/a/inner2"), b);
                edit.delete(p("y/a-b"));
                edit.putFile(p("y/a.c"), b);
                edit.copy(p("y/a"), p("y/a.d"), true);
                return null;
            });
            f.assertFsckClean();
            assertThat(f.list("y")).containsExactly("Z", "a b", "a.b", "a.c", "a.d", "a.txt", "a", "a0", "ab",
                    "\u00e9", "\uFF21", "\uD83D\uDE00");
        }
    }

    @Test
    void gitFsckPassesAfterEveryKindOfWrite() throws Exception {
        try (StorageFixture f = StorageFixture.empty(tmp)) {
            f.mkdir("d");
            f.put("d/a.txt", "a");
            f.put("d/b.txt", "b");
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("d"), "<props/>".getBytes());
                edit.setMetadata(p("d/a.txt"), "<p/>".getBytes());
                edit.setMetadata(RepoPath.ROOT, "<root/>".getBytes());
                return null;
            });
            f.repo.write(ALICE, "COPY", edit -> {
                edit.copy(p("d"), p("e"), true);
                edit.copy(p("d"), p("shallow"), false);
                return null;
            });
            f.repo.write(ALICE, "MOVE", edit -> {
                edit.copy(p("e"), p("d/e"), true);
                edit.delete(p("e"));
                return null;
            });
            f.delete("d/a.txt");
            f.delete("d/b.txt");
            f.delete("d/e");
            f.repo.write(ALICE, "PROPPATCH", edit -> {
                edit.setMetadata(p("d"), null);
                return null;
            });
            assertThat(f.lookup("d")).isPresent();
            assertThat(f.list("d")).isEmpty();
            f.delete("d");
            f.delete("shallow");
            assertThat(f.walkAll()).isEmpty();
            f.assertFsckClean();
        }
    }

    @Test
    void repositoryNamesAreChecked() throws Exception {
        try (Repositories r = new Repositories(tmp.resolve("data"), false)) {
            for (String bad : new String[] {"..", ".hidden", "a/b", "x.git", "", "a.", "a b"}) {
                assertThat(Repositories.isValidName(bad)).as(bad).isFalse();
                assertThatThrownBy(() -> r.createIfMissing(bad, "r", null, ALICE)).isInstanceOf(InvalidPathException.class);
                assertThatThrownBy(() -> r.open("o", bad)).isInstanceOf(NotFoundException.class);
            }
            assertThatThrownBy(() -> r.open("o", "missing")).isInstanceOf(NotFoundException.class);
            GitRepository a = r.createIfMissing("o", "r", null, ALICE);
            assertThat(r.open("o", "r")).isSameAs(a);
            // An open repository is found by its key "owner/name" before the names are checked: no other pair
            // of names reaches it.
            r.createIfMissing("null", "r", null, ALICE);
            assertThat(r.open("null", "r")).isNotNull();
            assertThatThrownBy(() -> r.open(null, "r")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> r.open("o/r", "")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> r.open("", "o/r")).isInstanceOf(NotFoundException.class);
        }
    }
}
