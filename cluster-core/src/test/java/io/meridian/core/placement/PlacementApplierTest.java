package io.meridian.core.placement;

import static io.meridian.core.testing.Entries.createGroup;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.key;
import static io.meridian.core.testing.Entries.merge;
import static io.meridian.core.testing.Entries.reassign;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_MEMBER;
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
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TransferReplica;
import org.junit.jupiter.api.Test;

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
}
