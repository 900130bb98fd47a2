package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.storage.RepoPath;

/** File ids and client times beside a repository: kept across a restart, never reused, a torn line ignored. */
class ClientMetadataTest {
    @TempDir
    Path dir;

    ClientMetadata.Repo open() throws Exception {
        return new ClientMetadata.Repo(new PathLog(dir.resolve("ids"), true), new PathLog(dir.resolve("times"), true),
                new PathLog(dir.resolve("props"), true), new PathLog(dir.resolve("away"), true));
    }

    static RepoPath p(String s) throws Exception {
        return RepoPath.parse(s);
    }

    @Test
    void idsFollowMovesSurviveARestartAndAreNeverGivenTwice() throws Exception {
        ClientMetadata.Repo m = open();
        String instance = m.instance();
        long a = m.fileId(p("dir/a.txt"));
        long dirId = m.fileId(p("dir"));
        long b = m.fileId(p("b.txt"));
        assertThat(m.fileId(p("dir/a.txt"))).isEqualTo(a);
        m.moved(p("dir"), p("renamed"));
        m.deleted(p("b.txt"));
        m.sync();

        ClientMetadata.Repo again = open();
        assertThat(again.fileId(p("renamed/a.txt"))).isEqualTo(a);
        assertThat(again.fileId(p("renamed"))).isEqualTo(dirId);
        long fresh = again.fileId(p("b.txt"));
        assertThat(fresh).isNotIn(a, b, dirId);
        assertThat(again.fileId(p("dir/a.txt"))).isNotIn(a, b, dirId, fresh);
        assertThat(again.instance()).isEqualTo(instance);
    }

    @Test
    void aClientTimeHoldsOnlyForTheContentItWasGivenFor() throws Exception {
        ClientMetadata.Repo m = open();
        ObjectId v1 = ObjectId.fromString("1111111111111111111111111111111111111111");
        ObjectId v2 = ObjectId.fromString("2222222222222222222222222222222222222222");
        m.setClientTime(p("a.txt"), v1, Instant.ofEpochSecond(1_700_000_000L));
        m.copied(p("a.txt"), p("copy.txt"));
        m.sync();
        ClientMetadata.Repo again = open();
        assertThat(again.clientTime(p("a.txt"), v1)).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(again.clientTime(p("copy.txt"), v1)).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(again.clientTime(p("a.txt"), v2)).as("changed through git or REST: the commit time holds").isNull();
    }

    @Test
    void aLineTornByACrashIsIgnored() throws Exception {
        ClientMetadata.Repo m = open();
        long a = m.fileId(p("a.txt"));
        m.sync();
        Files.writeString(dir.resolve("ids"), "p\tb.txt\t99", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        ClientMetadata.Repo again = open();
        assertThat(again.fileId(p("a.txt"))).isEqualTo(a);
        assertThat(again.fileId(p("b.txt"))).isNotEqualTo(99L).isGreaterThan(a);
    }

    @Test
    void namesWithTabsAndNewlinesStayOneRecord() throws Exception {
        ClientMetadata.Repo m = open();
        long odd = m.fileId(p("odd%09name"));
        m.sync();
        assertThat(open().fileId(p("odd%09name"))).isEqualTo(odd);
    }
}
