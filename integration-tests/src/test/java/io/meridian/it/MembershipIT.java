package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.Batch;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.LeaveCluster;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.RejectCode;
import io.meridian.proto.StartDecommission;
import io.meridian.proto.TopologyChange;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metadata group grows from three voters to five by token joins and shrinks back by
 * decommission, while a client writes: no write fails, none acknowledged is lost, and the Raft
 * configuration follows topology all the way.
 */
@Timeout(600)
class MembershipIT {

    static String token(MeridianClient client, RaftRoleProto role) {
        return client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000).setRole(role).build())
                .getToken();
    }

    static void configure(MeridianClient client, ConfigureMembership.Builder policy) {
        client.membership().changeTopology(TopologyChange.newBuilder().setConfigureMembership(policy).build());
    }

    static void decommission(MeridianClient client, String id) {
        client.placement().applyBatch(Batch.newBuilder()
                .addEntries(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setStartDecommission(StartDecommission.newBuilder().setNodeId(id))))
                .addEntries(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setFinishDecommission(FinishDecommission.newBuilder().setNodeId(id))))
                .build());
    }

    /** The leader's configuration equals topology: these voters, no listener, every voter ACTIVE. */
    static boolean settled(InProcessCluster cluster, Set<String> voters) {
        MeridianNode leader = cluster.leader().orElse(null);
        if (leader == null) {
            return false;
        }
        var conf = leader.raftConf();
        Map<String, Node> nodes = leader.stateMachine().image().topology().nodes();
        Set<String> topologyVoters = new TreeSet<>();
        nodes.values().stream().filter(node -> node.state() == NodeState.ACTIVE && node.role() == RaftRole.VOTER)
                .forEach(node -> topologyVoters.add(node.id()));
        return conf.stable() && conf.voters().keySet().equals(voters) && conf.listeners().isEmpty()
                && topologyVoters.equals(voters) && nodes.keySet().containsAll(voters);
    }

    @Test
    void growsFromThreeToFiveVotersByTokenAndShrinksBackWhileAClientWrites() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3)
                .labels("n1", Map.of("zone", "a")).labels("n2", Map.of("zone", "b")).labels("n3", Map.of("zone", "c"))
                .start();
                MeridianClient client = cluster.client()) {
            configure(client, ConfigureMembership.newBuilder().setTargetVoters(5).setPromoteAfterMs(500));
            Writer writer = new Writer(client, "membership");
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.acknowledgedCount() >= 20);

            long growStarted = System.nanoTime();
            cluster.join("n4", token(client, RaftRoleProto.RAFT_ROLE_VOTER), Map.of("zone", "d"), RaftRole.VOTER);
            cluster.join("n5", token(client, RaftRoleProto.RAFT_ROLE_VOTER), Map.of("zone", "e"), RaftRole.VOTER);
            Set<String> five = Set.of("n1", "n2", "n3", "n4", "n5");
            await("five voters in topology and in the Raft configuration").atMost(InProcessCluster.PATIENCE)
                    .until(() -> settled(cluster, five));
            long grownMs = (System.nanoTime() - growStarted) / 1_000_000;
            for (String id : List.of("n4", "n5")) {
                var info = cluster.node(id).division().getInfo();
                assertThat(info.getLifeCycleState()).as("%s's Raft server", id).isEqualTo(LifeCycle.State.RUNNING);
                assertThat(info.isFollower() || info.isLeader()).as("%s votes", id).isTrue();
            }
            int afterGrow = writer.acknowledgedCount();
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.acknowledgedCount() >= afterGrow + 20);

            long shrinkStarted = System.nanoTime();
            configure(client, ConfigureMembership.newBuilder().setTargetVoters(3));
            decommission(client, "n4");
            decommission(client, "n5");
            Set<String> three = Set.of("n1", "n2", "n3");
            await("three voters again").atMost(InProcessCluster.PATIENCE).until(() -> settled(cluster, three));
            await("the decommissioned nodes stop by themselves").atMost(InProcessCluster.PATIENCE)
                    .until(() -> cluster.node("n4").stopped().isDone() && cluster.node("n5").stopped().isDone());
            long shrunkMs = (System.nanoTime() - shrinkStarted) / 1_000_000;
            cluster.forget("n4");
            cluster.forget("n5");
            for (String id : List.of("n4", "n5")) {
                client.membership().changeTopology(TopologyChange.newBuilder().setLeave(LeaveCluster.newBuilder()
                        .setNodeId(id))
                        .build());
            }
            assertThatThrownBy(() -> decommission(client, "n3")).isInstanceOfSatisfying(RejectedException.class,
                    e -> assertThat(e.code()).contains(RejectCode.REJECT_MIN_VOTERS));
            int afterShrink = writer.acknowledgedCount();
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.acknowledgedCount() >= afterShrink + 20);
            writer.close();

            cluster.awaitConverged();
            Map<String, Integer> applied = new TreeMap<>();
            for (CatalogEntryRecord entry : client.metadata().catalog(GetCatalogRequest.newBuilder().setLimit(100_000)
                    .build())
                    .getEntriesList()) {
                applied.merge(entry.getPayload().toStringUtf8(), 1, Integer::sum);
            }
            assertThat(writer.acknowledged()).allSatisfy(payload -> assertThat(applied.get(payload)).as(payload)
                    .isEqualTo(1));
            assertThat(writer.failed()).as("writes refused or failed").isEmpty();
            assertThat(cluster.awaitLeader().stateMachine().image().topology().nodes().keySet())
                    .containsExactly("n1", "n2", "n3");
            System.out.printf("MembershipIT: 3 -> 5 voters in %d ms, 5 -> 3 in %d ms; the writer saw %s, %d with "
                    + "unknown outcome%n", grownMs, shrunkMs, writer.latencySummary(), writer.unknown().size());
        }
    }
}
