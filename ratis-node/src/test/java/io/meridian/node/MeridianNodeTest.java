package io.meridian.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.core.testing.Entries;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.DemoteNode;
import io.meridian.proto.TopologyChange;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(300)
class MeridianNodeTest {

    private static Path latestSnapshot(Path dataDir) throws Exception {
        try (Stream<Path> files = Files.walk(dataDir.resolve("raft"))) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                    .max(Comparator.comparing(p -> Long.parseLong(p.getFileName().toString().split("_")[1])))
                    .orElseThrow();
        }
    }

    @Test
    void snapshotsOnDemandLeadershipTransferAndIdentityChecks() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            client.placement().applyCatalogDdl(Entries.catalogDdl("CREATE TABLE t").getCatalogDdl());
            MeridianNode follower = cluster.follower();

            long index = client.membership().takeSnapshot(cluster.endpoint(follower.nodeId())).getIndex();
            assertThat(index).isGreaterThan(0);
            assertThat(latestSnapshot(follower.config().dataDir()).getFileName().toString()).endsWith("_" + index);

            String target = follower.nodeId();
            client.membership().transferLeadership(target);
            await().atMost(InProcessCluster.PATIENCE).until(() -> cluster.leader().map(MeridianNode::nodeId)
                    .orElse("").equals(target));

            String id = cluster.ids().stream().filter(n -> !n.equals(target)).findFirst().orElseThrow();
            NodeConfig config = cluster.config(id);
            cluster.stop(id);
            assertThatThrownBy(() -> MeridianNode.start(config.toBuilder().raftAddress(
                    HostPort.parse("raft", "127.0.0.1:1")).initialPeers(java.util.Map.of()).build()))
                    .hasMessageContaining("raft address cannot change");
            NodeConfig withoutPeers = config.toBuilder().initialPeers(java.util.Map.of()).build();
            try (MeridianNode restarted = MeridianNode.start(withoutPeers)) {
                await().atMost(InProcessCluster.PATIENCE).until(() -> restarted.stateMachine().image().catalog()
                        .version() == 1);
            }
            cluster.restart(id);
            cluster.awaitConverged();
        }
    }

    @Test
    void aCorruptSnapshotKeepsTheNodeFromStartingAndNamesTheFile() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            client.placement().applyCatalogDdl(Entries.catalogDdl("CREATE TABLE t").getCatalogDdl());
            MeridianNode victim = cluster.follower();
            client.membership().takeSnapshot(cluster.endpoint(victim.nodeId()));
            String id = victim.nodeId();
            cluster.stop(id);
            Path snapshot = latestSnapshot(cluster.config(id).dataDir());
            try (RandomAccessFile file = new RandomAccessFile(snapshot.toFile(), "rw")) {
                file.seek(30);
                int b = file.read();
                file.seek(30);
                file.write(b ^ 0x10);
            }
            MD5FileUtil.computeAndSaveMd5ForFile(snapshot.toFile());

            assertThatThrownBy(() -> MeridianNode.start(cluster.config(id)))
                    .hasStackTraceContaining(snapshot.toString()).hasStackTraceContaining("corrupt");
        }
    }

    @Test
    void aFirstStartWithoutPeersOrOnAnotherNodesDataIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("meridian-node-");
        NodeConfig lonely = NodeConfig.builder("n1").dataDir(dir)
                .raftAddress(new HostPort("127.0.0.1", InProcessCluster.freePort()))
                .apiAddress(new HostPort("127.0.0.1", InProcessCluster.freePort())).build();
        assertThatThrownBy(() -> MeridianNode.start(lonely)).hasMessageContaining("--peers");

        NodeIdentity.of(lonely).write(dir);
        NodeConfig impostor = NodeConfig.builder("n2").dataDir(dir).raftAddress(lonely.raftAddress())
                .apiAddress(lonely.apiAddress()).build();
        assertThatThrownBy(() -> MeridianNode.start(impostor)).hasMessageContaining("belongs to node n1");
    }

    /**
     * A node whose Raft server stops while the cluster still has it as a member (as Ratis does when
     * its log worker fails) stops as failed, so `node start` exits non-zero and a service manager
     * restarts it; it does not claim the cluster let it go.
     */
    @Test
    void aNodeWhoseRaftServerStopsOnItsOwnStopsAsFailed() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start()) {
            MeridianNode victim = cluster.follower();

            victim.division().close();

            MeridianNode.Stop stop = victim.stopped().get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(stop.failed()).isTrue();
            assertThat(stop.reason()).contains("its Raft server stopped unexpectedly")
                    .doesNotContain("no longer has it as a member");
            cluster.forget(victim.nodeId());
        }
    }
    /**
     * Ratis 3.3 changes a running member's role from listener to follower, never back: a voter the
     * configuration makes a listener (as the reconciler does to a voter demoted after it was
     * recorded DOWN) stays a follower, and at its next election finds itself outside the voters and
     * closes its division. The node sees the mismatch and asks to be started again, and started
     * again it is a listener.
     */
    @Test
    void aVoterMadeAListenerWhileRunningRestartsAsAListener() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            MeridianNode victim = cluster.follower();
            // Else the reconciler would promote the caught-up learner right back.
            client.membership().changeTopology(TopologyChange.newBuilder()
                    .setConfigureMembership(ConfigureMembership.newBuilder()
                    .setAutoPromote(false)).build());
            await("entry-format 5 negotiated, " + victim.nodeId() + " demoted").atMost(InProcessCluster.PATIENCE)
                    .ignoreExceptionsInstanceOf(RejectedException.class).until(() -> client.membership().changeTopology(
                            TopologyChange.newBuilder().setDemote(DemoteNode.newBuilder().setNodeId(victim.nodeId()))
                                    .build()) != null);

            MeridianNode.Stop stop = victim.stopped().get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(stop.restart()).as(stop.toString()).isTrue();
            assertThat(stop.failed()).isFalse();
            assertThat(stop.reason()).contains("listener");
            cluster.stop(victim.nodeId());
            MeridianNode again = cluster.restart(victim.nodeId());
            assertThat(again.division().getInfo().getCurrentRole()).isEqualTo(RaftPeerRole.LISTENER);
            assertThat(again.stopped()).isNotDone();
        }
    }
}
