package io.meridian.core.migration;

import static io.meridian.core.testing.Entries.abort;
import static io.meridian.core.testing.Entries.checkpoint;
import static io.meridian.core.testing.Entries.reassignChange;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_ABORTED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COMPLETED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CUTOVER;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_PLANNED;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_DOWN;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_CHECKSUM_MISMATCH;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_STALE_ATTEMPT;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Change;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.Outcome;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.MetadataEntry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MigrationApplierTest {

    /** n1..n4 active; shard 1 in group 1 = {n1,n2,n3}; migration 1 moves shard 1 from n1 to n4. */
    private static Replay migrating() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));
        return replay;
    }

    private static Migration migration(Replay replay) {
        return replay.image().migrations().migration(1).orElseThrow();
    }

    @Test
    void aMigrationWalksItsPhasesAndCutoverMovesTheShard() {
        Replay replay = migrating();

        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 1, "copied 10%"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 1, "copied 90%"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CATCHING_UP, 1, "lag 12"));
        assertThat(replay.image().routing().shards().get(1L).groupId()).isEqualTo(1L);
        long version = replay.image().routing().version();

        replay.applied(checkpoint(1, MIGRATION_PHASE_CUTOVER, 1, "fenced"));

        Shard shard = replay.image().routing().shards().get(1L);
        ReplicaGroup target = replay.image().routing().groups().get(shard.groupId());
        assertThat(target.members()).containsExactly("n2", "n3", "n4");
        assertThat(target.leader()).isEqualTo("n2");
        assertThat(shard.lastMovedFrom()).isEqualTo("n1");
        assertThat(replay.image().routing().version()).isEqualTo(version + 1);
        assertThat(migration(replay).targetGroupId()).isEqualTo(shard.groupId());

        replay.applied(checkpoint(1, MIGRATION_PHASE_COMPLETED, 1, "done"));
        Migration done = migration(replay);
        assertThat(done.phase()).isEqualTo(MigrationPhase.COMPLETED);
        assertThat(done.checkpoints()).isEqualTo(5);
        assertThat(done.lastPayload().toString(StandardCharsets.UTF_8)).isEqualTo("done");
        assertThat(replay.image().migrations().activeFor(1)).isEmpty();
        replay.rejected(checkpoint(1, MIGRATION_PHASE_COMPLETED, 1, "again"), REJECT_ILLEGAL_TRANSITION);
    }

    @Test
    void aCutoverToAnExistingMemberSetReusesItsGroup() {
        Replay replay = migrating();
        replay.applied(Entries.createGroup("n4", "n2", "n3", "n4"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CATCHING_UP, 0, ""));

        replay.applied(checkpoint(1, MIGRATION_PHASE_CUTOVER, 0, ""));

        assertThat(replay.image().routing().shards().get(1L).groupId()).isEqualTo(2L);
        assertThat(replay.image().routing().groups()).hasSize(2);
    }

    @Test
    void phasesFollowTheTransitionTable() {
        Replay replay = migrating();

        assertThat(replay.rejected(checkpoint(1, MIGRATION_PHASE_CUTOVER, 0, ""), REJECT_ILLEGAL_TRANSITION).message())
                .contains("from PLANNED to CUTOVER");
        replay.rejected(checkpoint(1, MIGRATION_PHASE_PLANNED, 0, ""), REJECT_INVALID_ARGUMENT);
        replay.rejected(checkpoint(1, MIGRATION_PHASE_ABORTED, 0, ""), REJECT_INVALID_ARGUMENT);
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CATCHING_UP, 0, ""));
        replay.rejected(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""), REJECT_ILLEGAL_TRANSITION);
        replay.rejected(checkpoint(1, MIGRATION_PHASE_COMPLETED, 0, ""), REJECT_ILLEGAL_TRANSITION);
        replay.rejected(checkpoint(7, MIGRATION_PHASE_COPYING, 0, ""), REJECT_NOT_FOUND);

        for (MigrationPhase from : MigrationPhase.values()) {
            for (MigrationPhase to : MigrationPhase.values()) {
                boolean expected = switch (from) {
                    case PLANNED -> to == MigrationPhase.COPYING;
                    case COPYING -> to == MigrationPhase.COPYING || to == MigrationPhase.CATCHING_UP;
                    case CATCHING_UP -> to == MigrationPhase.CATCHING_UP || to == MigrationPhase.CUTOVER;
                    case CUTOVER -> to == MigrationPhase.CUTOVER || to == MigrationPhase.COMPLETED;
                    case COMPLETED, ABORTED -> false;
                };
                assertThat(from.canAdvanceTo(to)).as(from + " -> " + to).isEqualTo(expected);
            }
        }
    }

    @Test
    void attemptsOnlyGrow() {
        Replay replay = migrating();
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 2, "attempt 2"));

        Rejection stale = replay.rejected(checkpoint(1, MIGRATION_PHASE_COPYING, 1, "late"), REJECT_STALE_ATTEMPT);
        assertThat(stale.message()).contains("attempt 1").contains("attempt 2");
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 2, "same attempt"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 3, "resumed"));
        assertThat(migration(replay).attempt()).isEqualTo(3);
    }

    @Test
    void aCheckpointWhoseCrcDoesNotMatchItsPayloadIsRefusedAndChangesNothing() {
        Replay replay = migrating();
        MetadataImage before = replay.image();
        byte[] payload = "rows 0-1000".getBytes(StandardCharsets.UTF_8);

        Rejection rejection = replay.rejected(checkpoint(1, MIGRATION_PHASE_COPYING, 0, payload,
                MigrationApplier.crc32c(payload) ^ 1), REJECT_CHECKSUM_MISMATCH);

        assertThat(rejection.message()).contains("migration 1").contains("CRC32C");
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
    }

    @Test
    void cutoverIsRefusedWhenTheTargetIsNoLongerActive() {
        Replay replay = migrating();
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CATCHING_UP, 0, ""));
        replay.applied(Entries.startDecommission("n4", false));

        assertThat(replay.rejected(checkpoint(1, MIGRATION_PHASE_CUTOVER, 0, ""), REJECT_NODE_NOT_ELIGIBLE).message())
                .contains("target n4 is DRAINING");
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.CATCHING_UP);
    }

    @Test
    void anAbortAppliesItsCompensationsAllOrNothing() {
        Replay replay = migrating();
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CATCHING_UP, 0, ""));
        replay.applied(checkpoint(1, MIGRATION_PHASE_CUTOVER, 0, ""));
        long movedTo = replay.image().routing().shards().get(1L).groupId();
        MetadataImage before = replay.image();

        Rejection rejection = replay.rejected(abort(1, "target disk failed", reassignChange(1, 1, "n1"),
                reassignChange(1, 1, "n9")), REJECT_NOT_A_MEMBER);
        assertThat(rejection.message()).contains("compensation 1");
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.CUTOVER);

        replay.applied(abort(1, "target disk failed", reassignChange(1, 1, "n1")));
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
        assertThat(migration(replay).abortReason()).isEqualTo("target disk failed");
        assertThat(replay.image().routing().shards().get(1L).groupId()).isEqualTo(1L).isNotEqualTo(movedTo);
        assertThat(replay.image().migrations().activeFor(1)).isEmpty();
        replay.rejected(abort(1, "again"), REJECT_ILLEGAL_TRANSITION);
        replay.rejected(abort(9, "none"), REJECT_NOT_FOUND);
    }

    @Test
    void onlyTheMostRecentFinishedMigrationsAreKept() {
        Replay replay = Replay.bootstrapped("n1", "n2");
        replay.applied(removeMember(1, "n2"));
        String holder = "n1";
        int moves = MigrationsImage.RETAINED_FINISHED + 5;
        for (int i = 1; i <= moves; i++) {
            String target = holder.equals("n1") ? "n2" : "n1";
            replay.applied(transfer(1, holder, target));
            replay.applied(abort(i, "test churn"));
        }

        MigrationsImage migrations = replay.image().migrations();
        assertThat(migrations.all()).hasSize(MigrationsImage.RETAINED_FINISHED);
        assertThat(migrations.all().firstKey()).isEqualTo(6L);
        assertThat(migrations.nextMigrationId()).isEqualTo(moves + 1L);
    }

    // Entry-format 5: an abort past the cutover that names no compensation undoes the cutover,
    // unless it keeps the routing.

    /**
     * n1-n4 at entry-format 5; shard 1 in group 1 = {n1,n2,n3}; migration 1 moved it from n1 to n4
     * and cut over into group 2 = {n2,n3,n4}.
     */
    private static Replay cutOverAtFormat5() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4").atEntryFormat(5);
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));
        cutOver(replay, 1);
        assertThat(replay.image().routing().shards().get(1L).groupId()).isEqualTo(2L);
        return replay;
    }

    private static void cutOver(Replay replay, long migration) {
        replay.applied(checkpoint(migration, MIGRATION_PHASE_COPYING, 0, ""));
        replay.applied(checkpoint(migration, MIGRATION_PHASE_CATCHING_UP, 0, ""));
        replay.applied(checkpoint(migration, MIGRATION_PHASE_CUTOVER, 0, ""));
    }

    private static long groupOfShard1(Replay replay) {
        return replay.image().routing().shards().get(1L).groupId();
    }

    @Test
    void pastItsCutoverAnAbortWithoutCompensationsPutsTheShardBackInItsSourcesGroup() {
        Replay replay = cutOverAtFormat5();
        long version = replay.image().routing().version();

        Outcome.Applied applied = replay.applied(abort(1, "target disk failed"));

        assertThat(groupOfShard1(replay)).isEqualTo(1L);
        ReplicaGroup source = replay.image().routing().groups().get(1L);
        assertThat(source.members()).containsExactly("n1", "n2", "n3");
        assertThat(source.leader()).isEqualTo("n1");
        assertThat(replay.image().routing().version()).isEqualTo(version + 1);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
        assertThat(replay.image().migrations().activeFor(1)).isEmpty();
        assertThat(applied.changes()).extracting(Change::toString).containsExactly(
                "MIGRATION migration 1: aborted in CUTOVER: target disk failed",
                "ROUTING shard 1: reassigned from group 2 to group 1 with leaseholder n1");
    }

    @Test
    void theShardGoesBackLedByAnActiveMemberWhenTheSourcesGroupLeaderIsNot() {
        Replay replay = cutOverAtFormat5();
        replay.applied(Entries.startDecommission("n1", false));

        replay.applied(abort(1, "target disk failed"));

        assertThat(groupOfShard1(replay)).isEqualTo(1L);
        assertThat(replay.image().routing().groups().get(1L).leader()).isEqualTo("n2");
    }

    @Test
    void anAbortThatCannotPutTheShardBackIsRefusedUntilItNamesItsCompensations() {
        Replay replay = cutOverAtFormat5();
        replay.applied(removeMember(1, "n3")); // group 1 holds no shard now; {n1,n2,n3} is gone
        MetadataImage before = replay.image();

        Rejection refused = replay.rejected(abort(1, "target disk failed"), REJECT_ILLEGAL_TRANSITION);

        assertThat(refused.message()).isEqualTo("migration 1 cut over to group 2, and no group of its source with "
                + "an ACTIVE member to lead it is left to put shard 1 back in; give the compensations");
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.CUTOVER);

        replay.applied(abort(1, "target disk failed", reassignChange(1, 1, "n2")));
        assertThat(groupOfShard1(replay)).isEqualTo(1L);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
    }

    @Test
    void anAbortIsRefusedWhenNoMemberOfTheSourcesGroupIsActiveToLeadIt() {
        Replay replay = cutOverAtFormat5();
        replay.applied(Entries.startDecommission("n1", false));
        replay.applied(Entries.startDecommission("n2", true));
        replay.applied(Entries.startDecommission("n3", true));

        replay.rejected(abort(1, "target disk failed"), REJECT_ILLEGAL_TRANSITION);

        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.CUTOVER);
        assertThat(groupOfShard1(replay)).isEqualTo(2L);
    }

    @Test
    void anAbortThatKeepsTheRoutingLeavesTheShardWhereTheCutoverPutIt() {
        Replay replay = cutOverAtFormat5();
        replay.applied(Entries.markHealth("n1", NODE_HEALTH_DOWN, 1, "source is down"));
        long version = replay.image().routing().version();

        Outcome.Applied applied = replay.applied(Entries.abortKeepingRouting(1, "source n1 is down"));

        assertThat(groupOfShard1(replay)).isEqualTo(2L);
        assertThat(replay.image().routing().version()).isEqualTo(version);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
        assertThat(migration(replay).abortReason()).isEqualTo("source n1 is down");
        assertThat(applied.changes()).extracting(Change::toString)
                .containsExactly("MIGRATION migration 1: aborted in CUTOVER: source n1 is down");
    }

    @Test
    void anAbortBeforeTheCutoverChangesNoRouting() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4").atEntryFormat(5);
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 0, ""));
        long version = replay.image().routing().version();

        replay.applied(abort(1, "cancelled"));

        assertThat(groupOfShard1(replay)).isEqualTo(1L);
        assertThat(replay.image().routing().version()).isEqualTo(version);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
    }

    @Test
    void compensationsAnAbortNamesAreAppliedInsteadOfTheSourcesGroup() {
        Replay replay = cutOverAtFormat5();
        replay.applied(Entries.createGroup("n3", "n2", "n3"));

        replay.applied(abort(1, "elsewhere", reassignChange(1, 3, "n3")));

        assertThat(groupOfShard1(replay)).isEqualTo(3L);
    }

    @Test
    void anAbortOfAnAddedReplicaPastItsCutoverTakesTheReplicaOffAgain() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(Entries.join("n4"));
        replay.applied(Entries.activate("n4"));
        replay.atEntryFormat(5);
        replay.applied(Entries.repair(1, "", "n4"));
        cutOver(replay, 1);
        assertThat(replay.image().routing().groups().get(groupOfShard1(replay)).members())
                .containsExactly("n1", "n2", "n3", "n4");

        replay.applied(abort(1, "n4 failed its copy"));

        assertThat(groupOfShard1(replay)).isEqualTo(1L);
        assertThat(replay.image().routing().groups().get(1L).members()).containsExactly("n1", "n2", "n3");
    }

    @Test
    void keepingTheRoutingAndNamingCompensationsContradictEachOther() {
        Replay replay = cutOverAtFormat5();
        int logged = replay.log().size();
        MetadataEntry compensated = abort(1, "both", reassignChange(1, 1, "n1"));
        MetadataEntry both = compensated.toBuilder()
                .setMigrationAbort(compensated.getMigrationAbort().toBuilder().setKeepRouting(true)).build();

        assertThat(replay.rejected(both, REJECT_INVALID_ARGUMENT).message())
                .isEqualTo("abort of migration 1 both keeps its routing and gives 1 compensations");
        assertThat(replay.log()).hasSize(logged);
    }

    @Test
    void keepingTheRoutingIsRefusedBeforeTheLogBelowEntryFormat5() {
        Replay replay = migrating().atEntryFormat(4);

        assertThat(replay.rejected(Entries.abortKeepingRouting(1, "x"), REJECT_CAPABILITY_GATED).message())
                .startsWith("node health, replica counts and repairs need meridian.entry-format >= 5");
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.PLANNED);
    }

    @Test
    void belowEntryFormat5AnAbortPastItsCutoverLeavesTheRoutingAsItIs() {
        Replay replay = migrating();
        cutOver(replay, 1);
        long movedTo = groupOfShard1(replay);

        replay.applied(abort(1, "old rules"));

        assertThat(replay.log().get(replay.log().size() - 1).getEntryFormat()).isZero();
        assertThat(groupOfShard1(replay)).isEqualTo(movedTo).isNotEqualTo(1L);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
    }

    @Test
    void anAbortAdmittedBelowEntryFormat5AppliesByTheOldRulesAfterTheClusterReached5() {
        Replay replay = cutOverAtFormat5();

        replay.logged(abort(1, "admitted at 4")); // not stamped: the leader admitted it below 5

        assertThat(groupOfShard1(replay)).isEqualTo(2L);
        assertThat(migration(replay).phase()).isEqualTo(MigrationPhase.ABORTED);
    }
}
