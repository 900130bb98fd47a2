package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.davit.storage.Entry;
import dev.davit.storage.RepoPath;

/**
 * PROPFIND's member hrefs (a folder's href encoded once, plus each member's name) and entity tags (hex
 * written by hand) must be the very text DavTarget.href and '"' + id.name() + '"' give.
 */
class MemberHrefsTest {
    private static final DavTarget TARGET = new DavTarget("dëmo", "my repo", RepoPath.ROOT, true);

    private static Entry entry(String path, boolean folder) throws Exception {
        return new Entry(RepoPath.parse(path), folder ? Entry.Kind.FOLDER : Entry.Kind.FILE, ObjectId.zeroId());
    }

    @Test
    void sameAsDavTargetHrefInWalkOrder() throws Exception {
        // a walk's order: members of the root, a folder then its members, back up, deeper, odd names
        List<String> paths = List.of("a.txt", "dir", "dir/x", "dir/x/deep.bin", "dir/y.txt", "dir2", "dir2/ä ö.txt",
                "dir2/100%", "dir2/a&b<c>", "dirx", "dir/z", "z", "😀", "😀/f", "d i r", "d i r/f#?", "dir");
        {
            PropfindHandler.MemberHrefs hrefs = new PropfindHandler.MemberHrefs(TARGET);
            for (String p : paths) {
                for (boolean folder : new boolean[] {false, true}) {
                    Entry e = entry(p, folder);
                    assertThat(hrefs.of(e)).as(p + (folder ? "/" : "")).isEqualTo(TARGET.href(e.path(), folder));
                }
            }
        }
    }

    @Test
    void entityTagsAreTheQuotedObjectId() {
        SplittableRandom r = new SplittableRandom(16);
        byte[] raw = new byte[20];
        for (int i = 0; i < 10_000; i++) {
            r.nextBytes(raw);
            ObjectId id = ObjectId.fromRaw(raw);
            assertThat(ETags.of(id)).isEqualTo("\"" + id.name() + "\"");
        }
        assertThat(ETags.of(ObjectId.zeroId())).isEqualTo("\"" + "0".repeat(40) + "\"");
        assertThat(ETags.of((ObjectId) null)).isNull();
    }
}
