package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.StatusReply;
import io.meridian.proto.TakeSnapshotReply;
import io.meridian.proto.TopologyReply;
import io.meridian.proto.TransferLeadershipReply;
import io.meridian.proto.WriteReply;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** `meridian cluster ...` and `meridian node ...` (but `node start`) against a live cluster. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterAndNodeCommandsTest extends CliTestBase {

    @Test
    @Order(1)
    void statusShowsEveryMemberWithTheSameDigest() {
        cluster.awaitConverged();
        Result table = run("cluster", "status").ok();
        String leader = cluster.awaitLeader().nodeId();
        assertThat(table.lines().get(0)).startsWith("leader " + leader + ", term ");
        assertThat(table.lines().get(1)).startsWith("NODE  ROLE").contains("DIGEST");
        assertThat(table.lines()).hasSize(5).anySatisfy(line -> assertThat(line).startsWith(leader).contains("leader"));

        StatusReply json = run("cluster", "status", "-o", "json").ok().json(StatusReply.getDefaultInstance());
        assertThat(json.getLeaderId()).isEqualTo(leader);
        assertThat(json.getMembersList()).extracting(MemberStatus::getId).containsExactly("n1", "n2", "n3");
        assertThat(json.getMembersList()).extracting(MemberStatus::getError).containsOnly("");
    }

    @Test
    @Order(2)
    void membersAndNodeListShowVotersAndLag() {
        Result members = run("cluster", "members").ok();
        assertThat(members.lines().get(0)).isEqualTo("voters: min 3, target 3, auto-promote on");
        assertThat(members.lines()).hasSize(5);
        assertThat(members.lines().subList(2, 5)).allSatisfy(line -> assertThat(line).contains("voter  active"));

        Result list = run("node", "list").ok();
        assertThat(list.lines().get(0)).startsWith("NODE  STATE   HEALTH  LAST SEEN  ROLE   ZONE  LAG  VERSION");
        assertThat(list.lines().subList(1, 4)).allSatisfy(line -> assertThat(line)
                .matches("n\\d\\s+active\\s+up\\s+(now|\\d+[smhd] ago)\\s+voter\\s.*"));
        TopologyReply json = run("node", "list", "-o", "json").ok().json(TopologyReply.getDefaultInstance());
        assertThat(json.getNodesList()).extracting(info -> info.getNode().getNodeId())
                .containsExactly("n1", "n2", "n3");
    }

    @Test
    @Order(3)
    void transferLeaderMovesLeadership() {
        String before = cluster.awaitLeader().nodeId();
        String target = before.equals("n2") ? "n3" : "n2";
        Result result = run("cluster", "transfer-leader", "--to", target).ok();
        assertThat(result.out()).isEqualTo("leader " + before + " -> " + target + System.lineSeparator());
        assertThat(cluster.awaitLeader().nodeId()).isEqualTo(target);

        TransferLeadershipReply json = run("cluster", "transfer-leader", "--to", before, "-o", "json").ok()
                .json(TransferLeadershipReply.getDefaultInstance());
        assertThat(json.getLeader()).isEqualTo(before);
    }

    @Test
    @Order(4)
    void transferLeaderToANonMemberIsRefused() {
        Result result = run("cluster", "transfer-leader", "--to", "n9");
        assertThat(result.exit()).isEqualTo(ExitCode.REFUSED);
        assertThat(result.err()).startsWith("error: ").contains("n9");
    }

    @Test
    @Order(5)
    void snapshotOnANamedNode() {
        Result result = run("cluster", "snapshot", "--node", "n2").ok();
        assertThat(result.out()).startsWith("node n2 wrote a snapshot at index ");
        TakeSnapshotReply json = run("cluster", "snapshot", "--node", "n3", "-o", "json").ok()
                .json(TakeSnapshotReply.getDefaultInstance());
        assertThat(json.getNodeId()).isEqualTo("n3");
        assertThat(json.getIndex()).isPositive();
        run("cluster", "snapshot", "--node", "n9").refused("NOT_FOUND");
    }

    @Test
    @Order(6)
    void nodeWritesNameWhatIsWrong() {
        run("node", "promote", "n9").refused("NOT_FOUND");
        run("node", "promote", "n1").refused("ILLEGAL_TRANSITION");
        run("node", "decommission", "n9").refused("NOT_FOUND");
        Result belowMinimum = run("node", "decommission", "n3").refused("MIN_VOTERS");
        assertThat(belowMinimum.err()).contains("below the minimum of 3");
        run("node", "leave", "n3").refused("ILLEGAL_TRANSITION");
        raw("node", "promote").usage("Missing required parameter: 'ID'");
    }

    @Test
    @Order(7)
    void forcedDecommissionThenLeave() {
        Result decommission = run("node", "decommission", "n3", "--force").ok();
        assertThat(decommission.lines().get(0)).startsWith("applied at index ");
        assertThat(decommission.out()).contains("node n3: ACTIVE -> DRAINING (forced)")
                .contains("node n3: DRAINING -> DECOMMISSIONED");
        NodeInfo n3 = run("node", "list", "-o", "json").ok().json(TopologyReply.getDefaultInstance())
                .getNodesList().stream().filter(info -> info.getNode().getNodeId().equals("n3")).findFirst()
                .orElseThrow();
        assertThat(n3.getNode().getState()).isEqualTo(NodeStateProto.NODE_STATE_DECOMMISSIONED);
        await("n3 leaves the Raft configuration and stops").atMost(InProcessCluster.PATIENCE)
                .until(() -> cluster.node("n3").stopped().isDone());
        cluster.forget("n3");

        WriteReply leave = run("node", "leave", "n3", "-o", "json").ok().json(WriteReply.getDefaultInstance());
        assertThat(leave.getChangesList()).anySatisfy(change -> assertThat(change.getSubject()).isEqualTo("node n3"));
        assertThat(run("node", "list").ok().out()).doesNotContain("n3 ");
    }
}
