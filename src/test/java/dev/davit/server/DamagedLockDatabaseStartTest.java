package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.lock.DamagedLockDatabaseException;
import dev.davit.testutil.TestServer;

/**
 * The server on a data directory whose lock database is damaged (issue 14: 37 random bytes gave an
 * unnamed MalformedInputException; an empty file started silently without the acknowledged locks).
 */
class DamagedLockDatabaseStartTest {
    @TempDir
    Path tmp;

    Path locksDb() {
        return tmp.resolve("data").resolve(".davit").resolve("locks.db");
    }

    @Test
    void randomBytesStopTheStartWithAMessageNamingTheFile() throws Exception {
        Files.createDirectories(locksDb().getParent());
        byte[] random = new byte[37];
        new java.util.Random(37).nextBytes(random);
        Files.write(locksDb(), random);
        assertThatThrownBy(() -> TestServer.start(tmp)).isInstanceOf(DamagedLockDatabaseException.class)
                .hasMessageContaining(locksDb().toAbsolutePath().toString()).hasMessageContaining("locks.damaged=discard");
    }

    @Test
    void anEmptyFileStopsTheStartAndDiscardStartsWithoutIt() throws Exception {
        Files.createDirectories(locksDb().getParent());
        Files.write(locksDb(), new byte[0]);
        assertThatThrownBy(() -> TestServer.start(tmp)).isInstanceOf(DamagedLockDatabaseException.class)
                .hasMessageContaining("empty");
        try (TestServer s = TestServer.start(tmp, Map.of("locks.damaged", "discard"))) {
            assertThat(s.get("README.md").statusCode()).isEqualTo(200);
            assertThat(s.server.locks().within("demo/sample", "")).isEmpty();
        }
        try (var files = Files.list(locksDb().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("locks.db.damaged-"));
        }
    }
}
