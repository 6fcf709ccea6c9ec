package io.meridian.core.topology;

import static io.meridian.core.testing.Entries.activate;
import static io.meridian.core.testing.Entries.advertise;
import static io.meridian.core.testing.Entries.bootstrap;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.configureMembership;
import static io.meridian.core.testing.Entries.finishDecommission;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.key;
import static io.meridian.core.testing.Entries.leave;
import static io.meridian.core.testing.Entries.promote;
import static io.meridian.core.testing.Entries.raft;
import static io.meridian.core.testing.Entries.startDecommission;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_BOOTSTRAPPED;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_LAST_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_LAST_VOTER;
import static io.meridian.proto.RejectCode.REJECT_MIN_VOTERS;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_DRAINED;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Rejection;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.InitialMember;
import io.meridian.proto.JoinNode;
import io.meridian.proto.RaftRoleProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopologyApplierTest {

    private static Replay threeNodesAndAJoiner() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4", "zone", "b"));
        return replay;
    }

    @Test
    void bootstrapRegistersActiveVotersWithOneGroupHoldingTheWholeKeyspace() {
        Replay replay = Replay.bootstrapped("n2", "n1", "n3");

        TopologyImage topology = replay.image().topology();
        assertThat(topology.bootstrapped()).isTrue();
        assertThat(topology.nodes().keySet()).containsExactly("n1", "n2", "n3");
        assertThat(topology.nodes().values()).allSatisfy(node -> {
            assertThat(node.state()).isEqualTo(NodeState.ACTIVE);
            assertThat(node.role()).isEqualTo(RaftRole.VOTER);
        });
        ReplicaGroup group = replay.image().routing().groups().get(1L);
        assertThat(group.members()).containsExactly("n1", "n2", "n3");
        assertThat(group.leader()).isEqualTo("n1");
        Shard shard = replay.image().routing().shards().get(1L);
        assertThat(shard.start().isEmpty()).isTrue();
        assertThat(shard.end().isEmpty()).isTrue();
        assertThat(replay.image().routing().locate(key("anything")).orElseThrow().id()).isEqualTo(1L);
        assertThat(topology.voterPolicy()).isEqualTo(VoterPolicy.DEFAULT);
    }

    @Test
    void bootstrapHonoursGroupLeaderAndVoterPolicy() {
        Replay replay = new Replay();
        replay.applied(bootstrap(BootstrapCluster.newBuilder()
                .addMembers(InitialMember.newBuilder().setNodeId("a").setRaftAddress(raft("a")))
                .addMembers(InitialMember.newBuilder().setNodeId("b").setRaftAddress(raft("b")))
                .setGroupLeader("b").setMinVoters(1).setTargetVoters(5)));

        assertThat(replay.image().routing().groups().get(1L).leader()).isEqualTo("b");
        assertThat(replay.image().topology().voterPolicy()).isEqualTo(VoterPolicy.DEFAULT.withVoters(1, 5, true));
    }

    @Test
    void rejectsSecondBootstrap() {
        Replay replay = Replay.bootstrapped("n1");

        Rejection rejection = replay.rejected(bootstrap("n7"), REJECT_ALREADY_BOOTSTRAPPED);

        assertThat(rejection.message()).contains("already bootstrapped");
        assertThat(replay.image().topology().nodes()).containsOnlyKeys("n1");
    }

    @Test
    void rejectsBootstrapWithDuplicateMembers() {
        new Replay().rejected(bootstrap("n1", "n1"), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void joinRegistersAJoiningLearnerWithItsLabels() {
        Replay replay = threeNodesAndAJoiner();

        Node node = replay.image().topology().node("n4").orElseThrow();
        assertThat(node.state()).isEqualTo(NodeState.JOINING);
        assertThat(node.role()).isEqualTo(RaftRole.LEARNER);
        assertThat(node.zone()).isEqualTo("b");
        assertThat(node.requestedRole()).isEqualTo(RaftRole.VOTER);
        assertThat(node.joinedAtMs()).isEqualTo(replay.image().logicalTimeMs());
    }

    @Test
    void joinRemembersTheRoleTheNodeWasAdmittedFor() {
        Replay replay = Replay.bootstrapped("n1");
        replay.applied(Entries.join(JoinNode.newBuilder().setNodeId("n5").setRaftAddress(raft("n5"))
                .setRequestedRole(RaftRoleProto.RAFT_ROLE_LEARNER)));

        assertThat(replay.image().topology().node("n5").orElseThrow().requestedRole()).isEqualTo(RaftRole.LEARNER);
    }

    @Test
    void rejectsJoinWithATakenIdOrRaftAddress() {
        Replay replay = threeNodesAndAJoiner();

        assertThat(replay.rejected(join("n2"), REJECT_ALREADY_EXISTS).message()).contains("n2 already exists");
        Rejection address = replay.rejected(Entries.join(JoinNode.newBuilder().setNodeId("n9")
                .setRaftAddress(raft("n3"))), REJECT_ALREADY_EXISTS);
        assertThat(address.message()).contains("already used by node n3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "host", "host:", ":7000", "host:0", "host:70000", "host:7x", "999.1.1.1:80",
            "a b:80", "[::1]", "[zz::1]:80", "::1:80", "-bad.example:80", "1.2.3:80", "host:+80"})
    void rejectsAMalformedAddressInsteadOfUsingAPlaceholder(String address) {
        Replay replay = Replay.bootstrapped("n1");

        Rejection rejection = replay.rejected(Entries.join(JoinNode.newBuilder().setNodeId("n9")
                .setRaftAddress(address)), REJECT_INVALID_ARGUMENT);

        assertThat(rejection.message()).contains("raft address of n9").contains("malformed");
        assertThat(replay.image().topology().node("n9")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.7:9000", "localhost:1", "node-4.eu-west.example.com:65535", "[::1]:7000",
            "[2001:db8::7]:443", "127.0.0.1:7000"})
    void acceptsWellFormedAddresses(String address) {
        Replay replay = Replay.bootstrapped("n1");

        replay.applied(Entries.join(JoinNode.newBuilder().setNodeId("n9").setRaftAddress(address)));

        assertThat(replay.image().topology().node("n9").orElseThrow().raftAddress()).isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-n", "n 1", "n/1", "über",
            "a234567890123456789012345678901234567890123456789012345678901234X"})
    void rejectsBadNodeIds(String id) {
        Replay.bootstrapped("n1").rejected(Entries.join(JoinNode.newBuilder().setNodeId(id)
                .setRaftAddress("10.0.0.9:7000")), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void rejectsDuplicateLabelKeys() {
        Replay.bootstrapped("n1").rejected(join("n9", "zone", "a", "zone", "b"), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void activationMovesAJoiningNodeToActiveOnce() {
        Replay replay = threeNodesAndAJoiner();

        replay.applied(activate("n4"));

        assertThat(replay.image().topology().node("n4").orElseThrow().state()).isEqualTo(NodeState.ACTIVE);
        replay.rejected(activate("n4"), REJECT_ILLEGAL_TRANSITION);
        replay.rejected(activate("n99"), REJECT_NOT_FOUND);
    }

    @Test
    void promotesAnActiveLearnerOnly() {
        Replay replay = threeNodesAndAJoiner();

        assertThat(replay.rejected(promote("n4"), REJECT_ILLEGAL_TRANSITION).message()).contains("JOINING");
        replay.applied(activate("n4"));
        replay.applied(promote("n4"));

        assertThat(replay.image().topology().node("n4").orElseThrow().role()).isEqualTo(RaftRole.VOTER);
        assertThat(replay.rejected(promote("n4"), REJECT_ILLEGAL_TRANSITION).message()).contains("already a voter");
    }

    @Test
    void startDecommissionMovesTheNodeToDraining() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n7");

        replay.applied(startDecommission("n7", false));

        assertThat(replay.image().topology().node("n7").orElseThrow().state()).isEqualTo(NodeState.DRAINING);
    }

    @Test
    void refusesADecommissionThatLeavesFewerVotersThanTheMinimumUnlessForced() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        Rejection rejection = replay.rejected(startDecommission("n3", false), REJECT_MIN_VOTERS);
        assertThat(rejection.message()).contains("leave 2 voters").contains("minimum of 3");

        replay.applied(startDecommission("n3", true));
        assertThat(replay.image().topology().countedVoters()).isEqualTo(2);
    }

    @Test
    void aLearnerDecommissionsWithoutTouchingTheVoterCount() {
        Replay replay = threeNodesAndAJoiner();

        replay.applied(startDecommission("n4", false));

        assertThat(replay.image().topology().countedVoters()).isEqualTo(3);
    }

    @Test
    void theLastVoterCanNeverLeaveEvenForced() {
        Replay replay = Replay.bootstrapped("solo");

        assertThat(replay.rejected(startDecommission("solo", true), REJECT_LAST_VOTER).message())
                .contains("last voter");
    }

    @Test
    void finishingADecommissionWaitsForTheDrainAndSaysWhatBlocksIt() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(startDecommission("n1", false));

        Rejection rejection = replay.rejected(finishDecommission("n1", false), REJECT_NODE_NOT_DRAINED);

        assertThat(rejection.message()).contains("replica in group 1").contains("leads group 1");
        assertThat(DecommissionBlockers.of(replay.image(), "n1").replicaGroups()).containsExactly(1L);
    }

    @Test
    void aForcedFinishTakesTheNodeOutOfItsGroups() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(startDecommission("n1", false));
        long version = replay.image().routing().version();

        replay.applied(finishDecommission("n1", true));

        assertThat(replay.image().topology().node("n1").orElseThrow().state()).isEqualTo(NodeState.DECOMMISSIONED);
        ReplicaGroup group = replay.image().routing().groups().get(1L);
        assertThat(group.members()).containsExactly("n2", "n3", "n4");
        assertThat(group.hasLeader()).isFalse();
        assertThat(replay.image().routing().version()).isGreaterThan(version);
    }

    @Test
    void aForcedFinishStillRefusesToEmptyAGroupThatHoldsShards() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(Entries.createGroup("n4", "n4"));
        replay.applied(Entries.reassign(1, 2, "n4"));
        replay.applied(startDecommission("n4", false));

        Rejection rejection = replay.rejected(finishDecommission("n4", true), REJECT_LAST_MEMBER);

        assertThat(rejection.message()).contains("only member of group 2");
    }

    @Test
    void anEmptyNodeFinishesItsDecommissionAndThenLeaves() {
        Replay replay = threeNodesAndAJoiner();
        replay.rejected(leave("n4"), REJECT_ILLEGAL_TRANSITION);
        replay.applied(startDecommission("n4", false));
        replay.rejected(finishDecommission("n2", false), REJECT_ILLEGAL_TRANSITION);

        replay.applied(finishDecommission("n4", false));
        replay.rejected(startDecommission("n4", false), REJECT_ILLEGAL_TRANSITION);
        replay.applied(leave("n4"));

        assertThat(replay.image().topology().node("n4")).isEmpty();
        replay.rejected(leave("n4"), REJECT_NOT_FOUND);
    }

    @Test
    void theTransitionTableAllowsExactlyTheLifecycle() {
        for (NodeState from : NodeState.values()) {
            for (NodeState to : NodeState.values()) {
                boolean expected = (from == NodeState.JOINING && (to == NodeState.ACTIVE || to == NodeState.DRAINING))
                        || (from == NodeState.ACTIVE && to == NodeState.DRAINING)
                        || (from == NodeState.DRAINING && to == NodeState.DECOMMISSIONED);
                assertThat(from.canBecome(to)).as(from + " -> " + to).isEqualTo(expected);
            }
        }
    }

    @Test
    void anAdvertisementUpdatesAddressLabelsVersionAndCapabilities() {
        Replay replay = threeNodesAndAJoiner();

        replay.applied(advertise("n4", "0.2.0", capabilities("meridian.entry-format", new long[] {1, 2}),
                "zone", "c", "geo", "eu"));

        Node node = replay.image().topology().node("n4").orElseThrow();
        assertThat(node.apiAddress()).isEqualTo(Entries.api("n4"));
        assertThat(node.softwareVersion()).isEqualTo("0.2.0");
        assertThat(node.zone()).isEqualTo("c");
        assertThat(node.geo()).isEqualTo("eu");
        assertThat(replay.image().capabilities().supportedBy("n4").get("meridian.entry-format")).containsExactly(1L,
                2L);
        replay.rejected(advertise("n99", "0.2.0", new byte[0]), REJECT_NOT_FOUND);
        replay.rejected(advertise("n4", "has space", new byte[0]), REJECT_INVALID_ARGUMENT);
        replay.rejected(advertise("n4", "0.2.0", new byte[] {1, 2, 3}), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void theVoterPolicyIsSettableWithinBounds() {
        Replay replay = Replay.bootstrapped("n1");

        replay.applied(configureMembership(null, 5, false));
        assertThat(replay.image().topology().voterPolicy()).isEqualTo(VoterPolicy.DEFAULT.withVoters(3, 5, false));

        replay.rejected(configureMembership(6, null, null), REJECT_INVALID_ARGUMENT);
        replay.rejected(configureMembership(0, null, null), REJECT_INVALID_ARGUMENT);
        replay.rejected(configureMembership(null, 10, null), REJECT_INVALID_ARGUMENT);
    }
}
