package dev.davit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.davit.storage.RepoPath;
import dev.davit.storage.SideFiles;

/** A change of the files kept aside as a log entry: every field reads back, content or none, target or none. */
class SideEntryTest {
    @Test
    void aPutReadsBackWithItsContentAndTime() throws Exception {
        SideFiles.Change put = new SideFiles.Change(SideFiles.Change.Op.PUT, RepoPath.parse("docs/.DS_Store"), null,
                "Bud1".getBytes(StandardCharsets.UTF_8), 1_700_000_000_000L);
        byte[] data = new SideEntry("demo", "sample", put).encode();

        assertThat(SideEntry.isOne(data)).isTrue();
        assertThat(AnswerEntry.isOne(data)).isFalse();
        assertThat(LockEntry.isOne(data)).isFalse();
        SideEntry back = SideEntry.decode(data);
        assertThat(back.owner()).isEqualTo("demo");
        assertThat(back.name()).isEqualTo("sample");
        assertThat(back.change().op()).isEqualTo(SideFiles.Change.Op.PUT);
        assertThat(back.change().path()).isEqualTo(RepoPath.parse("docs/.DS_Store"));
        assertThat(back.change().to()).isNull();
        assertThat(back.change().bytes()).isEqualTo("Bud1".getBytes(StandardCharsets.UTF_8));
        assertThat(back.change().stampMillis()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void aMoveReadsBackWithItsTargetAndNoContent() throws Exception {
        SideFiles.Change move = new SideFiles.Change(SideFiles.Change.Op.MOVE, RepoPath.parse("a/~$doc.docx"),
                RepoPath.parse("b/~$doc.docx"), null, 7);

        SideFiles.Change back = SideEntry.decode(new SideEntry("o", "r", move).encode()).change();

        assertThat(back.op()).isEqualTo(SideFiles.Change.Op.MOVE);
        assertThat(back.to()).isEqualTo(RepoPath.parse("b/~$doc.docx"));
        assertThat(back.bytes()).isNull();
    }
}
