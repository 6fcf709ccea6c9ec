package io.meridian.core.routing;

import static io.meridian.core.testing.Entries.createGroup;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.key;
import static io.meridian.core.testing.Entries.reassign;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.setReplicas;
import static io.meridian.core.testing.Entries.setScheduler;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.core.testing.Entries.transferLeadership;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_LAST_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_SHARD_BUSY;
import static io.meridian.proto.RejectCode.REJECT_UNDER_REPLICATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Change;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.Outcome;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingApplierTest {

    @Test
    void everyRoutingChangeBumpsTheVersionByOne() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        long version = replay.image().routing().version();

        replay.applied(transferLeadership(1, "n2"));
        replay.applied(createGroup("n3", "n2", "n3"));
        replay.applied(reassign(1, 2, "n2"));
        replay.applied(removeMember(1, "n1"));

        assertThat(replay.image().routing().version()).isEqualTo(version + 4);
    }

    @Test
    void settingAGroupsReplicaCountBumpsTheVersionByOneToo() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(5);
        long version = replay.image().routing().version();

        replay.applied(setReplicas(1, 5));
        replay.applied(setReplicas(1, 0));

        assertThat(replay.image().routing().version()).isEqualTo(version + 2);
    }

    @Test
    void reassignMovesTheShardAndNamesTheLeaseholder() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(createGroup("", "n2", "n3"));

        replay.applied(reassign(1, 2, "n3"));

        Shard shard = replay.image().routing().shards().get(1L);
        assertThat(shard.groupId()).isEqualTo(2L);
        assertThat(replay.image().routing().groups().get(2L).leader()).isEqualTo("n3");
        assertThat(replay.image().routing().shardCount(2)).isEqualTo(1);
        assertThat(replay.image().routing().shardCount(1)).isZero();
    }

    @Test
    void aLeaseholderMustBeAnActiveMemberOfTheGroup() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));

        assertThat(replay.rejected(reassign(1, 1, "n4"), REJECT_NOT_A_MEMBER).message())
                .contains("leaseholder n4 is not a member of group 1");
        replay.rejected(reassign(1, 9, "n1"), REJECT_NOT_FOUND);
        replay.rejected(reassign(9, 1, "n1"), REJECT_NOT_FOUND);
        replay.applied(Entries.startDecommission("n3", true));
        assertThat(replay.rejected(transferLeadership(1, "n3"), REJECT_NODE_NOT_ELIGIBLE).message())
                .contains("DRAINING");
    }

    @Test
    void leadershipTransferNeedsAMember() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(transferLeadership(1, "n3"));
        assertThat(replay.image().routing().groups().get(1L).leader()).isEqualTo("n3");

        replay.rejected(transferLeadership(1, "n9"), REJECT_NOT_A_MEMBER);
    }

    @Test
    void removingAMemberTakesItOutAndClearsItsLeadership() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(removeMember(1, "n2"));
        assertThat(replay.image().routing().groups().get(1L).members()).containsExactly("n1", "n3");

        replay.applied(removeMember(1, "n1"));
        ReplicaGroup group = replay.image().routing().groups().get(1L);
        assertThat(group.members()).containsExactly("n3");
        assertThat(group.hasLeader()).isFalse();
    }

    @Test
    void theLastMemberCannotBeRemoved() {
        Replay replay = Replay.bootstrapped("n1");

        assertThat(replay.rejected(removeMember(1, "n1"), REJECT_LAST_MEMBER).message()).contains("last member");
        replay.rejected(removeMember(1, "n5"), REJECT_NOT_A_MEMBER);
    }

    @Test
    void createGroupAllocatesIdsAndChecksItsMembers() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));

        replay.applied(createGroup("n2", "n2", "n3"));
        replay.applied(createGroup("", "n1"));

        assertThat(replay.image().routing().groups().keySet()).containsExactly(1L, 2L, 3L);
        replay.rejected(createGroup("", "n1", "n9"), REJECT_NOT_FOUND);
        replay.rejected(createGroup("", "n1", "n4"), REJECT_NODE_NOT_ELIGIBLE);
        replay.rejected(createGroup("n3", "n1", "n2"), REJECT_NOT_A_MEMBER);
        replay.rejected(createGroup("", "n1", "n1"), REJECT_INVALID_ARGUMENT);
        replay.rejected(Entries.routing(io.meridian.proto.RoutingChange.newBuilder().setCreateGroup(
                io.meridian.proto.CreateGroup.getDefaultInstance())), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void aShardWithAMigrationInFlightIsNotReassigned() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(createGroup("n4", "n4"));
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));

        assertThat(replay.rejected(reassign(1, 2, "n4"), REJECT_SHARD_BUSY).message()).contains("migration 1");
    }

    @Test
    void locateFindsTheOwningShardLikeAScanDoes() {
        Replay replay = Replay.bootstrapped("n1");
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            String at = Integer.toString(random.nextInt(1_000_000), 36);
            Shard owner = replay.image().routing().locate(key(at)).orElseThrow();
            if (owner.strictlyInside(key(at))) {
                replay.applied(split(owner.id(), at));
            }
        }
        RoutingImage routing = replay.image().routing();
        assertThat(routing.shards().size()).isGreaterThan(250);
        for (int i = 0; i < 2_000; i++) {
            Key probe = key(Integer.toString(random.nextInt(1_000_000), 36));
            Shard scanned = routing.shards().values().stream().filter(s -> s.contains(probe)).findFirst().orElseThrow();
            assertThat(routing.locate(probe)).contains(scanned);
        }
        assertThat(routing.locate(Key.EMPTY).orElseThrow().start()).isEqualTo(Key.EMPTY);
    }

    // Entry-format 5: a group's replica count, removals that keep a majority of it, and the
    // leadership of a removed leader handed on.

    private static ReplicaGroup group(Replay replay, long id) {
        return replay.image().routing().group(id).orElseThrow();
    }

    private static Replay atFormat5(String... nodes) {
        return Replay.bootstrapped(nodes).atEntryFormat(5);
    }

    private static void assertUnchanged(Replay replay, MetadataImage before) {
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
    }

    @Test
    void aGroupsReplicaCountOverridesTheClusterDefaultUntilCleared() {
        Replay replay = atFormat5("n1", "n2", "n3");
        assertThat(group(replay, 1).targetReplicas()).isZero();
        assertThat(RoutingApplierTest.target(replay, 1)).isEqualTo(3);

        Outcome.Applied set = replay.applied(setReplicas(1, 5));

        ReplicaGroup five = group(replay, 1);
        assertThat(five.targetReplicas()).isEqualTo(5);
        assertThat(RoutingApplierTest.target(replay, 1)).isEqualTo(5);
        assertThat(five.members()).containsExactly("n1", "n2", "n3");
        assertThat(five.leader()).isEqualTo("n1");
        assertThat(set.changes()).extracting(Change::toString)
                .containsExactly("ROUTING group 1: target replicas default (3) -> 5");

        replay.applied(setScheduler("replicas", "4"));
        Outcome.Applied cleared = replay.applied(setReplicas(1, 0));

        assertThat(group(replay, 1).targetReplicas()).isZero();
        assertThat(RoutingApplierTest.target(replay, 1)).isEqualTo(4);
        assertThat(cleared.changes()).extracting(Change::description)
                .containsExactly("target replicas 5 -> default (4)");
    }

    /** The group's target as the cluster reads it: its own, else the scheduler's replicas. */
    private static int target(Replay replay, long group) {
        return group(replay, group).target((int) replay.image().scheduler().value(SchedulerParameter.REPLICAS));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 6, 7})
    void aGroupTakesAReplicaCountOfOneToSeven(int replicas) {
        Replay replay = atFormat5("n1", "n2", "n3");

        replay.applied(setReplicas(1, replicas));

        assertThat(group(replay, 1).targetReplicas()).isEqualTo(replicas);
        assertThat(replay.log().get(replay.log().size() - 1).getEntryFormat()).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 16, Integer.MAX_VALUE, -1, Integer.MIN_VALUE})
    void aReplicaCountAboveSevenIsRefusedBeforeTheLog(int replicas) {
        // -1 and MIN_VALUE are uint32 4294967295 and 2147483648 on the wire.
        Replay replay = atFormat5("n1", "n2", "n3");
        int logged = replay.log().size();

        Rejection refused = replay.rejected(setReplicas(1, replicas), REJECT_INVALID_ARGUMENT);

        assertThat(refused.message()).contains("a group has 1-7 replicas")
                .contains("got " + Integer.toUnsignedString(replicas));
        assertThat(replay.log()).hasSize(logged);
        assertThat(group(replay, 1).targetReplicas()).isZero();
    }

    @Test
    void theReplicaCountOfAMissingGroupIsNotSet() {
        Replay replay = atFormat5("n1", "n2", "n3");

        assertThat(replay.rejected(setReplicas(9, 3), REJECT_NOT_FOUND).message()).isEqualTo("group 9 does not exist");
        replay.rejected(setReplicas(0, 3), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void replicaCountsAndForcedRemovalsAreRefusedBeforeTheLogBelowEntryFormat5() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(4);
        int logged = replay.log().size();

        assertThat(replay.rejected(setReplicas(1, 5), REJECT_CAPABILITY_GATED).message())
                .startsWith("node health, replica counts and repairs need meridian.entry-format >= 5; the cluster "
                        + "is at 4");
        replay.rejected(removeMember(1, "n3", true), REJECT_CAPABILITY_GATED);
        assertThat(replay.log()).hasSize(logged);

        // An unforced removal is in the first catalogue: admitted, unstamped, and applied as before.
        replay.applied(removeMember(1, "n3", false));
        replay.applied(removeMember(1, "n2", false));
        assertThat(replay.log().get(replay.log().size() - 1).getEntryFormat()).isZero();
        assertThat(group(replay, 1).members()).containsExactly("n1");
    }

    @Test
    void fromEntryFormat5ARemovalKeepsAMajorityOfTheTargetUnlessForced() {
        Replay replay = atFormat5("n1", "n2", "n3");
        replay.applied(removeMember(1, "n3"));
        MetadataImage before = replay.image();

        Rejection refused = replay.rejected(removeMember(1, "n2"), REJECT_UNDER_REPLICATED);

        assertThat(refused.message()).isEqualTo("removing n2 would leave group 1 with 1 member, below a majority "
                + "(2) of its target of 3 replicas; pass force to override");
        assertUnchanged(replay, before);

        Outcome.Applied forced = replay.applied(removeMember(1, "n2", true));

        assertThat(group(replay, 1).members()).containsExactly("n1");
        assertThat(forced.changes()).extracting(Change::description)
                .containsExactly("removed member n2 (forced below a majority of its target)");
        assertThat(replay.rejected(removeMember(1, "n1", true), REJECT_LAST_MEMBER).message())
                .contains("last member");
    }

    @Test
    void theMajorityIsOfTheGroupsOwnTarget() {
        Replay replay = atFormat5("n1", "n2", "n3", "n4", "n5");
        replay.applied(setReplicas(1, 5));
        replay.applied(removeMember(1, "n5"));
        replay.applied(removeMember(1, "n4"));

        assertThat(replay.rejected(removeMember(1, "n3"), REJECT_UNDER_REPLICATED).message())
                .contains("leave group 1 with 2 members, below a majority (3) of its target of 5 replicas");

        replay.applied(setReplicas(1, 4));
        replay.rejected(removeMember(1, "n3"), REJECT_UNDER_REPLICATED);
        replay.applied(setReplicas(1, 1));
        replay.applied(removeMember(1, "n3"));
        replay.applied(removeMember(1, "n2"));
        assertThat(group(replay, 1).members()).containsExactly("n1");
    }

    @Test
    void aGroupWithoutItsOwnTargetKeepsAMajorityOfTheSchedulersReplicas() {
        Replay replay = atFormat5("n1", "n2", "n3");
        replay.applied(setScheduler("replicas", "5"));

        assertThat(replay.rejected(removeMember(1, "n3"), REJECT_UNDER_REPLICATED).message())
                .contains("below a majority (3) of its target of 5 replicas");

        replay.applied(setScheduler("replicas", "1"));
        replay.applied(removeMember(1, "n3"));
        replay.applied(removeMember(1, "n2"));
        assertThat(group(replay, 1).members()).containsExactly("n1");
    }

    @Test
    void fromEntryFormat5TheRemovedLeaderHandsTheGroupToTheFirstActiveMemberLeft() {
        Replay replay = atFormat5("n1", "n2", "n3", "n4");
        replay.applied(Entries.startDecommission("n2", false)); // DRAINING: it cannot lead
        long version = replay.image().routing().version();

        Outcome.Applied applied = replay.applied(removeMember(1, "n1"));

        ReplicaGroup group = group(replay, 1);
        assertThat(group.members()).containsExactly("n2", "n3", "n4");
        assertThat(group.leader()).isEqualTo("n3");
        assertThat(replay.image().routing().version()).isEqualTo(version + 1);
        assertThat(applied.changes()).extracting(Change::description)
                .containsExactly("removed member n1; it led the group, n3 leads it now");
    }

    @Test
    void fromEntryFormat5ARemovalOfAMemberThatDoesNotLeadKeepsTheLeader() {
        Replay replay = atFormat5("n1", "n2", "n3");

        Outcome.Applied applied = replay.applied(removeMember(1, "n2"));

        assertThat(group(replay, 1).leader()).isEqualTo("n1");
        assertThat(applied.changes()).extracting(Change::description).containsExactly("removed member n2");
    }

    @Test
    void whenNoActiveMemberIsLeftTheRemovedLeadersGroupHasNoLeader() {
        Replay replay = atFormat5("n1", "n2", "n3", "n4");
        replay.applied(Entries.startDecommission("n2", false));
        replay.applied(Entries.startDecommission("n3", true));
        replay.applied(removeMember(1, "n4"));

        Outcome.Applied applied = replay.applied(removeMember(1, "n1"));

        ReplicaGroup group = group(replay, 1);
        assertThat(group.members()).containsExactly("n2", "n3");
        assertThat(group.hasLeader()).isFalse();
        assertThat(applied.changes()).extracting(Change::description)
                .containsExactly("removed member n1; it led the group, and no remaining member is ACTIVE to lead it");
    }

    @Test
    void aRemovalAdmittedBelowEntryFormat5AppliesByTheOldRulesWhereverItIsApplied() {
        // Admitted while the cluster was below 5 (so not stamped), committed after it reached 5.
        Replay replay = atFormat5("n1", "n2", "n3");
        replay.applied(removeMember(1, "n3"));

        Outcome.Applied applied = (Outcome.Applied) replay.logged(removeMember(1, "n1")).outcome();

        ReplicaGroup group = group(replay, 1);
        assertThat(group.members()).containsExactly("n2");
        assertThat(group.hasLeader()).isFalse();
        assertThat(applied.changes()).extracting(Change::description)
                .containsExactly("removed member n1 (it led the group; the group has no leader now)");
    }
}
