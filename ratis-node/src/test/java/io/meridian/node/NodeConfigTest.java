package io.meridian.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

    @TempDir
    Path dir;

    private NodeConfig.Builder valid() {
        return NodeConfig.builder("n1").dataDir(dir).raftAddress(HostPort.parse("raft", "127.0.0.1:7001"))
                .apiAddress(HostPort.parse("api", "127.0.0.1:7101"))
                .initialPeers(Map.of("n1", "127.0.0.1:7001", "n2", "127.0.0.1:7002"));
    }

    @Test
    void aValidConfigurationBuilds() {
        NodeConfig config = valid().labels(Map.of("zone", "a")).build();

        assertThat(config.initialPeers()).containsKeys("n1", "n2");
        assertThat(config.tuning()).isEqualTo(RaftTuning.DEFAULT);
    }

    @Test
    void badConfigurationsNameTheirProblem() {
        assertThatThrownBy(() -> NodeConfig.builder("bad id").dataDir(dir)
                .raftAddress(HostPort.parse("raft", "127.0.0.1:7001"))
                .apiAddress(HostPort.parse("api", "127.0.0.1:7101")).build())
                .hasMessageContaining("not a valid node id");
        assertThatThrownBy(() -> valid().initialPeers(Map.of("n2", "127.0.0.1:7002")).build())
                .hasMessageContaining("do not include this node");
        assertThatThrownBy(() -> valid().initialPeers(Map.of("n1", "127.0.0.1:9999")).build())
                .hasMessageContaining("listens on 127.0.0.1:7001");
        assertThatThrownBy(() -> valid().labels(Map.of("Zone", "a")).build()).hasMessageContaining("label key");
        assertThatThrownBy(() -> HostPort.parse("--raft-address", "localhost")).hasMessageContaining("--raft-address");
        assertThatThrownBy(() -> RaftTuning.DEFAULT.withElectionTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("min < max");
        assertThatThrownBy(() -> RaftTuning.DEFAULT.withSnapshotThreshold(5)).hasMessageContaining("at least 100");
    }

    @Test
    void theIdentityFileRoundTrips() throws Exception {
        NodeConfig config = valid().labels(Map.of("zone", "a", "geo", "eu")).build();
        NodeIdentity identity = NodeIdentity.of(config);

        identity.write(dir);

        assertThat(NodeIdentity.read(dir)).isEqualTo(identity);
        assertThat(HostPort.parse("a", "[::1]:7000").toString()).isEqualTo("[::1]:7000");
    }
}
