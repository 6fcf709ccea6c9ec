package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.core.capability.CapabilityAd;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.HostPort;
import io.meridian.node.MeridianNode;
import io.meridian.node.RaftTuning;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.PromoteNode;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.RejectCode;
import io.meridian.proto.StartDecommission;
import io.meridian.proto.TopologyChange;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Membership under faults: the leader dies in the middle of a join and of a promotion and its
 * successor finishes the work; a decommission that would cost the quorum is refused; and a mixed
 * cluster keeps a newer entry format out of the log until its last old member re-advertises.
 */
@Timeout(600)
class MembershipFaultsIT {

    /** Topology and the leader's Raft configuration agree, with these voters and listeners. */
    static boolean agree(InProcessCluster cluster, Set<String> voters, Set<String> listeners) {
        Optional<MeridianNode> leader = cluster.leader();
        if (leader.isEmpty()) {
            return false;
        }
        var conf = leader.get().raftConf();
        Map<String, Node> nodes = leader.get().stateMachine().image().topology().nodes();
        Set<String> topologyVoters = new TreeSet<>();
        Set<String> topologyLearners = new TreeSet<>();
        nodes.values().stream().filter(node -> node.state() == NodeState.ACTIVE)
                .forEach(node -> (node.role() == RaftRole.VOTER ? topologyVoters : topologyLearners).add(node.id()));
        return conf.stable() && conf.voters().keySet().equals(voters) && conf.listeners().keySet().equals(listeners)
                && topologyVoters.equals(voters) && topologyLearners.equals(listeners);
    }

    @Test
    void aNewLeaderFinishesAJoinTheOldOneStarted() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            String token = MembershipIT.token(client, RaftRoleProto.RAFT_ROLE_LEARNER);
            HostPort raft = new HostPort("127.0.0.1", InProcessCluster.freePort());
            HostPort api = new HostPort("127.0.0.1", InProcessCluster.freePort());
            // The cluster admits n4 before its process runs: the leader now tries to add a listener
            // it cannot reach yet, and dies trying.
            client.membership().join(JoinRequest.newBuilder().setToken(token).setNode(JoinNode.newBuilder()
                    .setNodeId("n4")
                    .setRaftAddress(raft.toString()).setApiAddress(api.toString())
                    .setRequestedRole(RaftRoleProto.RAFT_ROLE_LEARNER)).build());
            String old = cluster.awaitLeader().nodeId();
            await("the leader's reconciler at work on n4").atMost(InProcessCluster.PATIENCE)
                    .until(() -> cluster.node(old).stateMachine().image().topology().node("n4").isPresent());
            cluster.kill(old);

            cluster.joinAt("n4", raft, api, Optional.empty(), Map.of(), RaftRole.LEARNER);
            await("the new leader adds n4 as a listener and activates it").atMost(InProcessCluster.PATIENCE)
                    .until(() -> agree(cluster, Set.of("n1", "n2", "n3"), Set.of("n4")));
            assertThat(cluster.awaitLeader().nodeId()).isNotEqualTo(old);

            cluster.restart(old);
            cluster.awaitConverged();
        }
    }

    @Test
    void aNewLeaderFinishesAPromotionTheOldOneStarted() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            MembershipIT.configure(client, ConfigureMembership.newBuilder().setAutoPromote(false).setTargetVoters(5));
            cluster.join("n4", MembershipIT.token(client, RaftRoleProto.RAFT_ROLE_VOTER), Map.of(), RaftRole.VOTER);
            await("n4 an ACTIVE listener").atMost(InProcessCluster.PATIENCE)
                    .until(() -> agree(cluster, Set.of("n1", "n2", "n3"), Set.of("n4")));

            String old = cluster.awaitLeader().nodeId();
            client.membership().changeTopology(TopologyChange.newBuilder().setPromote(PromoteNode.newBuilder()
                    .setNodeId("n4"))
                    .build());
            cluster.kill(old);

            Set<String> voters = new TreeSet<>(Set.of("n1", "n2", "n3", "n4"));
            voters.remove(old);
            await("the new leader makes n4 a voter").atMost(InProcessCluster.PATIENCE).until(() -> {
                Optional<MeridianNode> leader = cluster.leader();
                return leader.isPresent() && leader.get().raftConf().voters().keySet().containsAll(voters)
                        && leader.get().raftConf().voters().containsKey("n4")
                        && leader.get().raftConf().listeners().isEmpty() && leader.get().raftConf().stable();
            });
            cluster.restart(old);
            await().atMost(InProcessCluster.PATIENCE)
                    .until(() -> agree(cluster, Set.of("n1", "n2", "n3", "n4"), Set.of()));
            cluster.awaitConverged();
        }
    }

    @Test
    void aDecommissionThatWouldCostTheQuorumIsRefused() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start()) {
            String leader = cluster.awaitLeader().nodeId();
            String down = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
            String other = cluster.ids().stream().filter(id -> !id.equals(leader) && !id.equals(down)).findFirst()
                    .orElseThrow();
            cluster.kill(down);
            MeridianNode leading = cluster.node(leader);
            await("the leader notices " + down + " is gone").atMost(InProcessCluster.PATIENCE).until(() -> {
                var progress = leading.followerProgress().get(down);
                return progress != null
                        && progress.lastContactMs() > RaftTuning.DEFAULT.electionTimeoutMax().toMillis();
            });
            try (MeridianClient client = cluster.clientOf(leader, other)) {
                assertThatThrownBy(() -> client.membership().changeTopology(TopologyChange.newBuilder()
                        .setStartDecommission(StartDecommission.newBuilder().setNodeId(other).setForce(true))
                        .build()))
                        .isInstanceOfSatisfying(RejectedException.class, e -> {
                            assertThat(e.code()).contains(RejectCode.REJECT_QUORUM_AT_RISK);
                            assertThat(e.getMessage()).contains("taking voter " + other + " out would leave voters")
                                    .contains("a majority (2) must answer");
                        });
                assertThat(cluster.awaitLeader().stateMachine().image().topology().node(other).orElseThrow().state())
                        .isEqualTo(NodeState.ACTIVE);
            }
            cluster.restart(down);
            cluster.awaitConverged();
        }
    }

    @Test
    void aMixedClusterKeepsTheNewerEntryFormatOutUntilItsOldMemberReadvertises() throws Exception {
        CapabilityAd older = CapabilityAd.ofIntegers(new TreeMap<>(Map.of(
                "meridian.entry-format", new TreeSet<>(Set.of(1L)),
                "meridian.snapshot-format", new TreeSet<>(Set.of(1L)))));
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            cluster.stop("n3");
            cluster.restart("n3", config -> config.capabilities(older));
            await("n3 advertises the older format").atMost(InProcessCluster.PATIENCE).until(() ->
                    cluster.awaitLeader().stateMachine().image().capabilities().supportedBy("n3")
                            .get("meridian.entry-format").equals(new TreeSet<>(Set.of(1L))));

            ConfigureMembership.Builder criteria = ConfigureMembership.newBuilder().setPromoteLagEntries(20)
                    .setPromoteAfterMs(1_000);
            assertThatThrownBy(() -> MembershipIT.configure(client, criteria))
                    .isInstanceOfSatisfying(RejectedException.class, e -> {
                        assertThat(e.code()).contains(RejectCode.REJECT_CAPABILITY_GATED);
                        assertThat(e.getMessage()).isEqualTo("promotion criteria in the voter policy need "
                                + "meridian.entry-format >= 2; the cluster is at 1, held back by n3 (supports [1])");
                    });
            assertThat(cluster.awaitLeader().stateMachine().image().topology().voterPolicy().promoteLagEntries())
                    .isEqualTo(50);

            cluster.stop("n3");
            cluster.restart("n3", config -> config.capabilities(
                    io.meridian.core.capability.CapabilityCatalog.localAdvertisement()));
            await("the gate opens once n3 re-advertises").atMost(InProcessCluster.PATIENCE).ignoreExceptions()
                    .until(() -> {
                        MembershipIT.configure(client, criteria);
                        return true;
                    });
            assertThat(cluster.awaitLeader().stateMachine().image().topology().voterPolicy().promoteLagEntries())
                    .isEqualTo(20);
            cluster.awaitConverged();
        }
    }
}
