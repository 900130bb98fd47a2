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

    @Test
    void mutualTlsOnTheRaftPortIsReadWithTheKeystoreAsTrustStoreByDefault(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path ks = java.nio.file.Files.writeString(tmp.resolve("node.p12"), "a key store");
        java.nio.file.Path ts = java.nio.file.Files.writeString(tmp.resolve("ca.p12"), "a trust store");
        Map<String, String> base = Map.of("cluster.enabled", "true", "cluster.node.id", "n1", "cluster.peers", "n1@h:1:2",
                "cluster.secret", SECRET);

        assertThat(load(base).cluster().raftTls()).isNull();
        Map<String, String> shared = new java.util.HashMap<>(base);
        shared.put("cluster.tls.keystore", ks.toString());
        shared.put("cluster.tls.keystore.password", "pw");
        assertThat(load(shared).cluster().raftTls()).isEqualTo(new DavitConfig.Cluster.RaftTls(ks, "pw", ks, "pw"));
        Map<String, String> separate = new java.util.HashMap<>(shared);
        separate.put("cluster.tls.truststore", ts.toString());
        separate.put("cluster.tls.truststore.password", "other");
        assertThat(load(separate).cluster().raftTls()).isEqualTo(new DavitConfig.Cluster.RaftTls(ks, "pw", ts, "other"));
        assertThat(load(separate).cluster().raftTls().toString()).doesNotContain("pw").doesNotContain("other");

        Map<String, String> trustOnly = new java.util.HashMap<>(base);
        trustOnly.put("cluster.tls.truststore", ts.toString());
        assertThatThrownBy(() -> load(trustOnly)).hasMessageContaining("cluster.tls.truststore needs cluster.tls.keystore");
        Map<String, String> missing = new java.util.HashMap<>(shared);
        missing.put("cluster.tls.keystore", tmp.resolve("nowhere.p12").toString());
        assertThatThrownBy(() -> load(missing)).hasMessageContaining("cluster.tls: cannot read").hasMessageContaining("nowhere.p12");
    }
}
