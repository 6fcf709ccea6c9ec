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
import static io.meridian.proto.RejectCode.REJECT_CHECKSUM_MISMATCH;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_STALE_ATTEMPT;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
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
}
