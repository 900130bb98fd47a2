package dev.davit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** {@code cluster.*}: off unless enabled, and a clear refusal for every setting that cannot work. */
class ClusterSettingsTest {
    private static final String SECRET = "sixteen-chars-ok";
    private static DavitConfig load(Map<String, String> settings) throws ConfigLoader.ConfigException {
        Properties p = new Properties();
        settings.forEach(p::setProperty);
        return ConfigLoader.fromProperties(p);
    }

    @Test
    void offByDefault() throws Exception {
        assertThat(load(Map.of()).cluster().enabled()).isFalse();
    }

    @Test
    void peersAreParsedWithTheirRaftAndHttpPorts() throws Exception {
        DavitConfig.Cluster c = load(Map.of("cluster.enabled", "true", "cluster.node.id", "n2", "cluster.secret", SECRET,
                "cluster.peers", "n1@127.0.0.1:9871:8081, n2@host-b:9872:8082,n3@[::1]:9873:8083")).cluster();

        assertThat(c.enabled()).isTrue();
        assertThat(c.nodeId()).isEqualTo("n2");
        assertThat(c.peers()).containsExactly(new DavitConfig.Cluster.Peer("n1", "127.0.0.1", 9871, 8081),
                new DavitConfig.Cluster.Peer("n2", "host-b", 9872, 8082), new DavitConfig.Cluster.Peer("n3", "[::1]", 9873, 8083));
        assertThat(c.commitTimeoutMillis()).isEqualTo(10_000);
        assertThat(c.raftDir()).isNull();
        assertThat(c.secret()).isEqualTo(SECRET);
        assertThat(c.snapshotEntries()).isEqualTo(10_000);
        assertThat(c.segmentBytes()).isEqualTo(64L << 20);
    }

    @Test
    void theSnapshotTuningIsRead() throws Exception {
        DavitConfig.Cluster c = load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.secret", SECRET,
                "cluster.peers", "n1@h:1:2", "cluster.snapshot.entries", "50", "cluster.raft.segment.bytes", "65536")).cluster();

        assertThat(c.snapshotEntries()).isEqualTo(50);
        assertThat(c.segmentBytes()).isEqualTo(65536);
    }

    @Test
    void aClusterWithoutASecretOfSixteenCharactersIsRefused() {
        // Without it a node that fell behind the Raft log's start could never fetch the repositories: refused at start.
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.peers", "n1@h:1:2")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.secret");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.peers", "n1@h:1:2",
                "cluster.secret", "fifteen-chars!!")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.secret");
    }

    @Test
    void settingsThatCannotWorkAreRefusedWithTheirName() {
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.peers");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n4",
                "cluster.peers", "n1@h:1:2,n2@h:3:4")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.node.id 'n4'");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1",
                "cluster.peers", "n1@h:9871")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("id@host:raftPort:httpPort");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1",
                "cluster.peers", "n1@h:9871:70000")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("70000");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1",
                "cluster.peers", "n1@h:1:2,n1@h:3:4")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.secret", SECRET,
                "cluster.peers", "n1@h:1:2", "cluster.snapshot.entries", "9")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.snapshot.entries");
        assertThatThrownBy(() -> load(Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.secret", SECRET,
                "cluster.peers", "n1@h:1:2", "cluster.raft.segment.bytes", "4096")))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("cluster.raft.segment.bytes");
    }
}
