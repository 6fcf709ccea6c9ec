package io.meridian.core.topology;

import static io.meridian.core.testing.Entries.activate;
import static io.meridian.core.testing.Entries.demote;
import static io.meridian.core.testing.Entries.finishDecommission;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.leave;
import static io.meridian.core.testing.Entries.markHealth;
import static io.meridian.core.testing.Entries.promote;
import static io.meridian.core.testing.Entries.startDecommission;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_DOWN;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_UNSPECIFIED;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_UP;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_LAST_VOTER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Change;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.Outcome;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.MarkNodeHealth;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.TopologyChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The topology entries of meridian.entry-format 5: the leader's liveness verdicts (MarkNodeHealth)
 * and the demotion of a voter (DemoteNode), each refused before the log while the cluster is below
 * entry-format 5.
 */
class NodeHealthAndDemotionTest {

    /** n1-n3 bootstrapped voters, n4 a JOINING learner, every member at entry-format 5. */
    private static Replay cluster() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4", "zone", "b"));
        return replay.atEntryFormat(5);
    }

    private static Node node(Replay replay, String id) {
        return replay.image().topology().node(id).orElseThrow();
    }

    private static void assertUnchanged(Replay replay, MetadataImage before) {
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
    }

    @Test
    void aNodeNeverJudgedIsUpWithNoHealthTimes() {
        Node fresh = node(cluster(), "n4");

        assertThat(fresh.health()).isEqualTo(NodeHealth.UP);
        assertThat(fresh.isDown()).isFalse();
        assertThat(fresh.healthChangedAtMs()).isZero();
        assertThat(fresh.lastSeenMs()).isZero();
    }

    @Test
    void aNodeIsMarkedDownAtTheLogicalTimeWithTheLeadersLastSightOfIt() {
        Replay replay = cluster();
        Node before = node(replay, "n3");
        long lastSeen = replay.clockMs() - 1_800_000;

        Outcome.Applied applied = replay.applied(markHealth("n3", NODE_HEALTH_DOWN, lastSeen,
                "not heard from for 30m"));

        Node down = node(replay, "n3");
        assertThat(down.health()).isEqualTo(NodeHealth.DOWN);
        assertThat(down.isDown()).isTrue();
        assertThat(down.healthChangedAtMs()).isEqualTo(replay.image().logicalTimeMs());
        assertThat(down.lastSeenMs()).isEqualTo(lastSeen);
        // Health is not membership: the state, the role and their time stay as they were.
        assertThat(down.state()).isEqualTo(NodeState.ACTIVE);
        assertThat(down.role()).isEqualTo(RaftRole.VOTER);
        assertThat(down.stateChangedAtMs()).isEqualTo(before.stateChangedAtMs());
        assertThat(applied.changes()).extracting(Change::toString)
                .containsExactly("TOPOLOGY node n3: UP -> DOWN: not heard from for 30m");
    }

    @Test
    void aDownNodeIsMarkedUpAgainAndTheRecordMovesOn() {
        Replay replay = cluster();
        replay.applied(markHealth("n3", NODE_HEALTH_DOWN, replay.clockMs() - 60_000, "silent"));
        long downAt = node(replay, "n3").healthChangedAtMs();
        replay.advance(120_000);
        long seen = replay.clockMs() - 50;

        Outcome.Applied applied = replay.applied(markHealth("n3", NODE_HEALTH_UP, seen, ""));

        Node up = node(replay, "n3");
        assertThat(up.health()).isEqualTo(NodeHealth.UP);
        assertThat(up.healthChangedAtMs()).isEqualTo(replay.image().logicalTimeMs())
                .isGreaterThanOrEqualTo(downAt + 120_000);
        assertThat(up.lastSeenMs()).isEqualTo(seen);
        assertThat(applied.changes()).extracting(Change::description).containsExactly("DOWN -> UP");
    }

    @Test
    void theHealthTimeIsTheLogicalTimeEvenWhenTheLeadersStampIsBehindIt() {
        Replay replay = cluster();
        long logical = replay.image().logicalTimeMs();
        replay.advance(-3_600_000); // a new leader whose clock is an hour behind the log

        replay.applied(markHealth("n2", NODE_HEALTH_DOWN, 1_000, "behind"));

        assertThat(node(replay, "n2").healthChangedAtMs()).isEqualTo(logical);
        assertThat(replay.image().logicalTimeMs()).isEqualTo(logical);
    }

    @Test
    void remarkingTheHealthANodeHasIsAnIllegalTransitionAndChangesNothing() {
        Replay replay = cluster();

        assertThat(replay.rejected(markHealth("n2", NODE_HEALTH_UP, 5, ""), REJECT_ILLEGAL_TRANSITION).message())
                .isEqualTo("n2 is UP already");
        replay.applied(markHealth("n2", NODE_HEALTH_DOWN, 5, ""));
        MetadataImage before = replay.image();

        Rejection again = replay.rejected(markHealth("n2", NODE_HEALTH_DOWN, 9, "again"), REJECT_ILLEGAL_TRANSITION);

        assertThat(again.message()).isEqualTo("n2 is DOWN already");
        assertUnchanged(replay, before);
        assertThat(node(replay, "n2").lastSeenMs()).isEqualTo(5);
    }

    @Test
    void joiningAndDrainingMembersHaveTheirHealthJudged() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        replay.applied(join("n5"));
        replay.applied(activate("n5"));
        replay.applied(startDecommission("n5", false));
        replay.atEntryFormat(5);

        replay.applied(markHealth("n4", NODE_HEALTH_DOWN, 1, "joiner silent"));
        replay.applied(markHealth("n5", NODE_HEALTH_DOWN, 1, "drainer silent"));

        assertThat(node(replay, "n4").isDown()).isTrue();
        assertThat(node(replay, "n4").state()).isEqualTo(NodeState.JOINING);
        assertThat(node(replay, "n5").isDown()).isTrue();
        assertThat(node(replay, "n5").state()).isEqualTo(NodeState.DRAINING);
    }

    @Test
    void aDecommissionedNodeHasNoHealthAndOneThatLeftDoesNotExist() {
        Replay replay = cluster();
        replay.applied(startDecommission("n4", false));
        replay.applied(finishDecommission("n4", false));

        assertThat(replay.rejected(markHealth("n4", NODE_HEALTH_DOWN, 1, ""), REJECT_ILLEGAL_TRANSITION).message())
                .isEqualTo("n4 is DECOMMISSIONED; its health is not judged");
        replay.applied(leave("n4"));
        assertThat(replay.rejected(markHealth("n4", NODE_HEALTH_DOWN, 1, ""), REJECT_NOT_FOUND).message())
                .isEqualTo("node n4 does not exist");
        replay.rejected(markHealth("n9", NODE_HEALTH_UP, 1, ""), REJECT_NOT_FOUND);
    }

    @Test
    void aMarkNamesUpOrDownExactly() {
        Replay replay = cluster();
        int logged = replay.log().size();

        // SUSPECT is the leader's soft state: the log has no value for it, and UNSPECIFIED is no verdict.
        assertThat(replay.rejected(markHealth("n2", NODE_HEALTH_UNSPECIFIED, 1, ""), REJECT_INVALID_ARGUMENT)
                .message()).contains("health must be UP or DOWN");
        replay.rejected(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder().setMarkHealth(
                MarkNodeHealth.newBuilder().setNodeId("n2").setHealthValue(7))).build(), REJECT_INVALID_ARGUMENT);
        replay.rejected(markHealth("n 2", NODE_HEALTH_DOWN, 1, ""), REJECT_INVALID_ARGUMENT);
        replay.rejected(markHealth("n2", NODE_HEALTH_DOWN, 1, "x".repeat(1025)), REJECT_INVALID_ARGUMENT);

        assertThat(replay.log()).as("refused before the log").hasSize(logged);
        assertThat(NodeHealthProto.values()).extracting(Enum::name).containsExactly("NODE_HEALTH_UNSPECIFIED",
                "NODE_HEALTH_UP", "NODE_HEALTH_DOWN", "UNRECOGNIZED");
    }

    @Test
    void aLastSightThatIsNoTimeIsRefusedBeforeTheLog() throws Exception {
        // last_seen_ms is a uint64: from 2^63 on it is a negative long, which no snapshot could hold.
        Replay replay = cluster();
        int logged = replay.log().size();

        assertThat(replay.rejected(markHealth("n3", NODE_HEALTH_DOWN, -1, ""), REJECT_INVALID_ARGUMENT).message())
                .contains("last seen").contains("18446744073709551615");
        replay.rejected(markHealth("n3", NODE_HEALTH_DOWN, Long.MIN_VALUE, ""), REJECT_INVALID_ARGUMENT);

        assertThat(replay.log()).hasSize(logged);
        replay.applied(markHealth("n3", NODE_HEALTH_DOWN, Long.MAX_VALUE, ""));
        assertThat(SnapshotCodec.fromBytes(SnapshotCodec.toBytes(replay.image()))).isEqualTo(replay.image());
    }

    @Test
    void aVoterIsDemotedToALearnerAndMayBePromotedAgain() {
        Replay replay = cluster();
        Node before = node(replay, "n3");

        Outcome.Applied applied = replay.applied(demote("n3"));

        Node demoted = node(replay, "n3");
        assertThat(demoted.role()).isEqualTo(RaftRole.LEARNER);
        assertThat(demoted.state()).isEqualTo(NodeState.ACTIVE);
        assertThat(demoted.stateChangedAtMs()).isEqualTo(replay.image().logicalTimeMs())
                .isGreaterThan(before.stateChangedAtMs());
        assertThat(replay.image().topology().countedVoters()).isEqualTo(2);
        assertThat(applied.changes()).extracting(Change::toString)
                .containsExactly("TOPOLOGY node n3: demoted from voter to learner");

        replay.applied(promote("n3"));
        assertThat(node(replay, "n3").role()).isEqualTo(RaftRole.VOTER);
    }

    @Test
    void aDownVoterIsDemotedAndKeepsItsHealth() {
        Replay replay = cluster();
        replay.applied(markHealth("n2", NODE_HEALTH_DOWN, 7, "gone quiet"));

        replay.applied(demote("n2"));

        assertThat(node(replay, "n2").role()).isEqualTo(RaftRole.LEARNER);
        assertThat(node(replay, "n2").isDown()).isTrue();
        assertThat(node(replay, "n2").lastSeenMs()).isEqualTo(7);
    }

    @Test
    void onlyAVoterIsDemoted() {
        Replay replay = cluster();
        MetadataImage before = replay.image();

        assertThat(replay.rejected(demote("n4"), REJECT_ILLEGAL_TRANSITION).message()).isEqualTo("n4 is not a voter");
        assertThat(replay.rejected(demote("n9"), REJECT_NOT_FOUND).message()).isEqualTo("node n9 does not exist");
        replay.rejected(demote("-bad"), REJECT_INVALID_ARGUMENT);

        assertUnchanged(replay, before);
    }

    @Test
    void theLastVoterThatCountsIsNeverDemoted() {
        Replay solo = Replay.bootstrapped("solo").atEntryFormat(5);
        assertThat(solo.rejected(demote("solo"), REJECT_LAST_VOTER).message()).contains("solo is the last voter");

        // n2 is a DRAINING voter: it does not count, so n1 is the last voter that does.
        Replay replay = Replay.bootstrapped("n1", "n2").atEntryFormat(5);
        replay.applied(startDecommission("n2", true));
        assertThat(replay.rejected(demote("n1"), REJECT_LAST_VOTER).message()).contains("n1 is the last voter");

        // The draining voter itself goes: n1 still counts.
        replay.applied(demote("n2"));
        assertThat(node(replay, "n2").role()).isEqualTo(RaftRole.LEARNER);
        assertThat(node(replay, "n1").role()).isEqualTo(RaftRole.VOTER);
    }

    @Test
    void aDemotionNeedsOneOtherCountedVoterNotTheMinimum() {
        // Per DemoteNode's preconditions the voter minimum does not hold a demotion back: the
        // reconciler promotes a learner in the DOWN voter's place first.
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(5);
        assertThat(replay.image().topology().voterPolicy().minVoters()).isEqualTo(3);

        replay.applied(demote("n3"));
        replay.applied(demote("n2"));

        assertThat(replay.image().topology().countedVoters()).isEqualTo(1);
        replay.rejected(demote("n1"), REJECT_LAST_VOTER);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4})
    void bothAreRefusedBeforeTheLogBelowEntryFormat5(long format) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        int logged = replay.log().size();
        MetadataImage before = replay.image();

        Rejection health = replay.rejected(markHealth("n3", NODE_HEALTH_DOWN, 1, ""), REJECT_CAPABILITY_GATED);
        Rejection demotion = replay.rejected(demote("n3"), REJECT_CAPABILITY_GATED);
        Rejection inBatch = replay.rejected(Entries.batch(Entries.catalogDdl("x"), demote("n3")),
                REJECT_CAPABILITY_GATED);

        String held = format == 1 ? "n1 (never advertised it), n2 (never advertised it), n3 (never advertised it)"
                : "n1 (supports [1, 2, 3, 4]), n2 (supports [1, 2, 3, 4]), n3 (supports [1, 2, 3, 4])";
        assertThat(health.message()).isEqualTo("node health, replica counts and repairs need "
                + "meridian.entry-format >= 5; the cluster is at " + format + ", held back by " + held);
        assertThat(demotion.message()).isEqualTo(health.message());
        assertThat(inBatch.message()).isEqualTo(health.message());
        assertThat(replay.log()).hasSize(logged);
        assertThat(replay.image()).isEqualTo(before);
    }

    @Test
    void theLeaderStampsTheEntryFormatItAdmittedAnEntryAt() {
        Replay replay = cluster();

        replay.applied(markHealth("n3", NODE_HEALTH_DOWN, 1, ""));

        MetadataEntry logged = replay.log().get(replay.log().size() - 1);
        assertThat(logged.getEntryFormat()).isEqualTo(5);
    }
}
