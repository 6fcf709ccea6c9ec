package io.meridian.core.placement;

import static io.meridian.core.testing.Entries.createGroup;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.key;
import static io.meridian.core.testing.Entries.merge;
import static io.meridian.core.testing.Entries.reassign;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COMPLETED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CUTOVER;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_DOWN;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_GROUP_MISMATCH;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_KEY_OUT_OF_RANGE;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_ADJACENT;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_SHARD_BUSY;
import static io.meridian.proto.RejectCode.REJECT_STALE_VERSION;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.core.Change;
import io.meridian.core.MetadataImage;
import io.meridian.core.apply.Outcome;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TransferReplica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlacementApplierTest {

    @Test
    void splitDividesTheRangeAtTheKeyIntoANewShardOfTheSameGroup() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        long version = replay.image().routing().version();

        replay.applied(split(1, "m"));

        RoutingImage routing = replay.image().routing();
        Shard left = routing.shards().get(1L);
        Shard right = routing.shards().get(2L);
        assertThat(left.start().isEmpty()).isTrue();
        assertThat(left.end()).isEqualTo(key("m"));
        assertThat(right.start()).isEqualTo(key("m"));
        assertThat(right.end().isEmpty()).isTrue();
        assertThat(right.groupId()).isEqualTo(left.groupId());
        assertThat(routing.locate(key("a")).orElseThrow().id()).isEqualTo(1L);
        assertThat(routing.locate(key("m")).orElseThrow().id()).isEqualTo(2L);
        assertThat(routing.locate(key("zz")).orElseThrow().id()).isEqualTo(2L);
        assertThat(routing.version()).isEqualTo(version + 1);
    }

    @Test
    void splitOnlyStrictlyInsideTheRange() {
        Replay replay = Replay.bootstrapped("n1");
        replay.applied(split(1, "m"));

        assertThat(replay.rejected(split(1, "m"), REJECT_KEY_OUT_OF_RANGE).message()).contains("shard 1 ['', 'm')");
        replay.rejected(split(1, "z"), REJECT_KEY_OUT_OF_RANGE);
        replay.rejected(split(2, "m"), REJECT_KEY_OUT_OF_RANGE);
        replay.rejected(split(2, "a"), REJECT_KEY_OUT_OF_RANGE);
        replay.rejected(split(9, "q"), REJECT_NOT_FOUND);
        replay.rejected(Entries.placement(PlacementCommand.newBuilder().setSplit(SplitShard.newBuilder().setShardId(1)),
                0), REJECT_INVALID_ARGUMENT);
        replay.applied(split(2, "m\0"));
    }

    @Test
    void mergeJoinsAdjacentShardsOfOneGroup() {
        Replay replay = Replay.bootstrapped("n1", "n2");
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));

        replay.applied(merge(2, 3));

        RoutingImage routing = replay.image().routing();
        assertThat(routing.shards().keySet()).containsExactly(1L, 2L);
        assertThat(routing.shards().get(2L).range()).isEqualTo("['g', end)");
        assertThat(routing.locate(key("q")).orElseThrow().id()).isEqualTo(2L);
    }

    @Test
    void mergeRefusesShardsThatDoNotTouchOrLiveInDifferentGroups() {
        Replay replay = Replay.bootstrapped("n1", "n2");
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));

        assertThat(replay.rejected(merge(1, 3), REJECT_NOT_ADJACENT).message()).contains("does not end where");
        replay.rejected(merge(2, 1), REJECT_NOT_ADJACENT);
        replay.rejected(merge(1, 1), REJECT_INVALID_ARGUMENT);
        replay.rejected(merge(1, 8), REJECT_NOT_FOUND);
        replay.applied(createGroup("n2", "n2"));
        replay.applied(reassign(2, 2, "n2"));
        assertThat(replay.rejected(merge(1, 2),
                REJECT_GROUP_MISMATCH).message()).contains("group 1").contains("group 2");
    }

    @Test
    void transferStartsAPlannedMigrationWithoutChangingRouting() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        replay.applied(Entries.activate("n4"));
        long version = replay.image().routing().version();

        replay.applied(transfer(1, "n1", "n4"));

        Migration migration = replay.image().migrations().activeFor(1).orElseThrow();
        assertThat(migration.id()).isEqualTo(1L);
        assertThat(migration.phase()).isEqualTo(MigrationPhase.PLANNED);
        assertThat(migration.fromNode()).isEqualTo("n1");
        assertThat(migration.toNode()).isEqualTo("n4");
        assertThat(replay.image().routing().version()).isEqualTo(version);
        assertThat(replay.image().routing().groups().get(1L).members()).doesNotContain("n4");
    }

    @Test
    void transferOnlyFromAHolderToAnActiveNonHolder() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));

        assertThat(replay.rejected(transfer(1, "n4", "n2"),
                REJECT_NOT_A_MEMBER).message()).contains("holds no replica");
        replay.rejected(transfer(1, "n1", "n2"), REJECT_ALREADY_MEMBER);
        assertThat(replay.rejected(transfer(1, "n1", "n4"), REJECT_NODE_NOT_ELIGIBLE).message()).contains("JOINING");
        replay.rejected(transfer(1, "n1", "n8"), REJECT_NOT_FOUND);
        replay.rejected(transfer(1, "n1", "n1"), REJECT_INVALID_ARGUMENT);
        replay.rejected(transfer(5, "n1", "n4"), REJECT_NOT_FOUND);
    }

    @Test
    void aMigratingShardIsNeitherSplitNorMergedNorTransferredAgain() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(split(1, "m"));
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));

        replay.rejected(split(1, "c"), REJECT_SHARD_BUSY);
        replay.rejected(merge(1, 2), REJECT_SHARD_BUSY);
        replay.rejected(transfer(1, "n2", "n4"), REJECT_SHARD_BUSY);
        replay.applied(split(2, "t"));
    }

    @Test
    void aCommandPlannedAgainstAnOldRoutingVersionIsRejectedNotExecuted() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        long planned = replay.image().routing().version();
        replay.applied(Entries.transferLeadership(1, "n2"));

        PlacementCommand.Builder command = PlacementCommand.newBuilder()
                .setSplit(SplitShard.newBuilder().setShardId(1).setSplitKey(ByteString.copyFromUtf8("k")));
        assertThat(replay.rejected(Entries.placement(command.clone(), planned), REJECT_STALE_VERSION).message())
                .contains("version " + planned);
        assertThat(replay.image().routing().shards()).hasSize(1);

        replay.applied(Entries.placement(command.clone(), replay.image().routing().version()));
        assertThat(replay.image().routing().shards()).hasSize(2);
    }

    @Test
    void aTransferRecordsThePlannedVersionAndReason() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(removeMember(1, "n4"));
        long version = replay.image().routing().version();

        replay.applied(Entries.placement(PlacementCommand.newBuilder().setReason("balance replicas").setTransfer(
                TransferReplica.newBuilder().setShardId(1).setFromNode("n1").setToNode("n4")), version));

        Migration migration = replay.image().migrations().migration(1).orElseThrow();
        assertThat(migration.plannedRoutingVersion()).isEqualTo(version);
        assertThat(migration.reason()).isEqualTo("balance replicas");
    }

    // Entry-format 5: repairs. A repair without a source adds a replica; one with a source replaces
    // the replica of a DOWN or leaving node. Either runs as a migration recorded as a repair.

    /** n1-n3 bootstrapped (group 1, shard 1), n4 joined and ACTIVE, every member at entry-format 5. */
    private static Replay repairable() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        replay.applied(Entries.activate("n4"));
        return replay.atEntryFormat(5);
    }

    private static void cutOver(Replay replay, long migration) {
        replay.applied(Entries.checkpoint(migration, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(Entries.checkpoint(migration, MIGRATION_PHASE_CATCHING_UP, 0, ""));
        replay.applied(Entries.checkpoint(migration, MIGRATION_PHASE_CUTOVER, 0, ""));
    }

    @Test
    void aRepairWithoutASourceStartsAMigrationThatAddsAReplica() {
        Replay replay = repairable();
        long version = replay.image().routing().version();

        Outcome.Applied applied = replay.applied(Entries.repair(1, "", "n4"));

        Migration migration = replay.image().migrations().activeFor(1).orElseThrow();
        assertThat(migration.fromNode()).isEmpty();
        assertThat(migration.toNode()).isEqualTo("n4");
        assertThat(migration.repair()).isTrue();
        assertThat(migration.phase()).isEqualTo(MigrationPhase.PLANNED);
        assertThat(replay.image().routing().version()).isEqualTo(version);
        assertThat(replay.image().routing().groups().get(1L).members()).containsExactly("n1", "n2", "n3");
        assertThat(applied.changes()).extracting(Change::toString)
                .containsExactly("MIGRATION migration 1: started: a replica of shard 1 added on n4 (a repair)");
    }

    @Test
    void theCutoverOfAnAddedReplicaGrowsTheGroupAndKeepsItsTarget() {
        Replay replay = repairable();
        replay.applied(Entries.setReplicas(1, 4));
        replay.applied(Entries.repair(1, "", "n4"));
        long version = replay.image().routing().version();

        cutOver(replay, 1);

        RoutingImage routing = replay.image().routing();
        Shard shard = routing.shards().get(1L);
        ReplicaGroup grown = routing.groups().get(shard.groupId());
        assertThat(shard.groupId()).isEqualTo(2L);
        assertThat(grown.members()).containsExactly("n1", "n2", "n3", "n4");
        assertThat(grown.leader()).isEqualTo("n1");
        assertThat(grown.targetReplicas()).isEqualTo(4);
        assertThat(routing.version()).isEqualTo(version + 1);
        Migration migration = replay.image().migrations().migration(1).orElseThrow();
        assertThat(migration.targetGroupId()).isEqualTo(2L);
        assertThat(migration.repair()).isTrue();

        replay.applied(Entries.checkpoint(1, MIGRATION_PHASE_COMPLETED, 0, "done"));
        assertThat(replay.image().migrations().activeFor(1)).isEmpty();
        assertThat(replay.image().routing().shards().get(1L).groupId()).isEqualTo(2L);
    }

    @Test
    void aRepairThatNamesItsSourceReplacesTheReplicaOfTheDownNode() {
        Replay replay = repairable();
        replay.applied(Entries.markHealth("n3", NODE_HEALTH_DOWN, 1, "silent"));

        Outcome.Applied applied = replay.applied(Entries.repair(1, "n3", "n4"));
        cutOver(replay, 1);

        Migration migration = replay.image().migrations().migration(1).orElseThrow();
        assertThat(migration.fromNode()).isEqualTo("n3");
        assertThat(migration.repair()).isTrue();
        assertThat(applied.changes()).extracting(Change::description).containsExactly(
                "started: shard 1 from n3 to n4 (a repair: the replica on n3 is replaced)");
        ReplicaGroup group = replay.image().routing().groups().get(replay.image().routing().shards().get(1L)
                .groupId());
        assertThat(group.members()).containsExactly("n1", "n2", "n4");
        assertThat(replay.image().routing().shards().get(1L).lastMovedFrom()).isEqualTo("n3");
    }

    @Test
    void noReplicaGoesToADownNode() {
        Replay replay = repairable();
        replay.applied(Entries.markHealth("n4", NODE_HEALTH_DOWN, 1, "silent"));
        MetadataImage before = replay.image();

        assertThat(replay.rejected(Entries.repair(1, "", "n4"), REJECT_NODE_NOT_ELIGIBLE).message())
                .isEqualTo("target n4 is DOWN; only a node that answers receives replicas");
        assertThat(replay.rejected(transfer(1, "n1", "n4"), REJECT_NODE_NOT_ELIGIBLE).message())
                .startsWith("target n4 is DOWN");
        assertThat(replay.image().migrations()).isEqualTo(before.migrations());
        assertThat(replay.image().routing()).isEqualTo(before.routing());
    }

    @Test
    void anOrdinaryTransferIsNoRepair() {
        Replay replay = repairable();

        replay.applied(transfer(1, "n1", "n4"));

        assertThat(replay.image().migrations().migration(1).orElseThrow().repair()).isFalse();
    }

    @Test
    void aRepairGoesOnlyToAnActiveNodeThatHoldsNoReplicaYet() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        replay.applied(Entries.activate("n4"));
        replay.applied(join("n5"));
        replay.applied(join("n6"));
        replay.applied(Entries.activate("n6"));
        replay.applied(Entries.startDecommission("n6", false));
        replay.atEntryFormat(5);
        MetadataImage before = replay.image();

        assertThat(replay.rejected(Entries.repair(1, "", "n2"), REJECT_ALREADY_MEMBER).message())
                .isEqualTo("n2 already holds a replica of shard 1 (group 1)");
        assertThat(replay.rejected(Entries.repair(1, "", "n5"), REJECT_NODE_NOT_ELIGIBLE).message())
                .isEqualTo("target n5 is JOINING; only ACTIVE nodes receive replicas");
        assertThat(replay.rejected(Entries.repair(1, "n3", "n6"), REJECT_NODE_NOT_ELIGIBLE).message())
                .contains("target n6 is DRAINING");
        assertThat(replay.rejected(Entries.repair(1, "", "n9"), REJECT_NOT_FOUND).message())
                .isEqualTo("node n9 does not exist");
        assertThat(replay.rejected(Entries.repair(7, "", "n4"), REJECT_NOT_FOUND).message())
                .isEqualTo("shard 7 does not exist");
        assertThat(replay.rejected(Entries.repair(1, "n4", "n2"), REJECT_NOT_A_MEMBER).message())
                .contains("n4 holds no replica of shard 1");

        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
    }

    @Test
    void onlyARepairLeavesItsSourceOutAndNoTransferNamesItsTargetAsSource() {
        Replay replay = repairable();
        int logged = replay.log().size();

        assertThat(replay.rejected(transfer(1, "", "n4"), REJECT_INVALID_ARGUMENT).message()).contains("source node");
        assertThat(replay.rejected(Entries.repair(1, "", ""), REJECT_INVALID_ARGUMENT).message())
                .contains("target node");
        replay.rejected(Entries.repair(1, "n4", "n4"), REJECT_INVALID_ARGUMENT);
        replay.rejected(Entries.repair(0, "", "n4"), REJECT_INVALID_ARGUMENT);

        assertThat(replay.log()).as("refused before the log").hasSize(logged);
    }

    @Test
    void aShardBeingRepairedTakesNoSecondMigration() {
        Replay replay = repairable();
        replay.applied(Entries.repair(1, "", "n4"));

        assertThat(replay.rejected(Entries.repair(1, "n3", "n4"), REJECT_SHARD_BUSY).message())
                .contains("migration 1");
        replay.rejected(transfer(1, "n1", "n4"), REJECT_SHARD_BUSY);
    }

    @Test
    void aGroupOfSevenIsGivenNoEighthReplicaButMayHaveOneReplaced() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4", "n5", "n6", "n7");
        replay.applied(join("n8"));
        replay.applied(Entries.activate("n8"));
        replay.atEntryFormat(5);

        assertThat(replay.rejected(Entries.repair(1, "", "n8"), REJECT_INVALID_ARGUMENT).message())
                .isEqualTo("group 1 of shard 1 has 7 members already; a repair adds none beyond 7");
        replay.applied(Entries.repair(1, "n7", "n8"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4})
    void aRepairIsRefusedBeforeTheLogBelowEntryFormat5(long format) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        replay.applied(Entries.activate("n4"));
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        int logged = replay.log().size();

        assertThat(replay.rejected(Entries.repair(1, "", "n4"), REJECT_CAPABILITY_GATED).message())
                .startsWith("node health, replica counts and repairs need meridian.entry-format >= 5");
        replay.rejected(Entries.repair(1, "n3", "n4"), REJECT_CAPABILITY_GATED);

        assertThat(replay.log()).hasSize(logged);
        assertThat(replay.image().migrations().all()).isEmpty();
    }
}
