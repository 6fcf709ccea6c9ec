package io.meridian.core.ghost;

import static io.meridian.core.testing.Entries.decref;
import static io.meridian.core.testing.Entries.incref;
import static io.meridian.core.testing.Entries.insertGhost;
import static io.meridian.core.testing.Entries.purgeGhost;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.sweep;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.SweepVerdictProto.SWEEP_VERDICT_INCONCLUSIVE;
import static io.meridian.proto.SweepVerdictProto.SWEEP_VERDICT_KEEP;
import static io.meridian.proto.SweepVerdictProto.SWEEP_VERDICT_PURGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Replay;
import io.meridian.proto.SweepVerdictProto;
import org.junit.jupiter.api.Test;

class GhostApplierTest {

    /** Shards 1 ['', 'g'), 2 ['g', 'p'), 3 ['p', end). */
    private static Replay threeShards() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));
        return replay;
    }

    @Test
    void aGhostIsPurgedWhenItsRefcountReachesZero() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "node-42", 3, 3));
        GhostsImage ghosts = replay.image().ghosts();
        assertThat(ghosts.stubs()).hasSize(1);
        assertThat(ghosts.resolve(1, "node-42")).contains(3L);
        assertThat(ghosts.resolve(1, "nonexistent")).isEmpty();

        replay.applied(decref(1, "node-42"));
        replay.applied(decref(1, "node-42"));
        assertThat(replay.image().ghosts().stub(1, "node-42").orElseThrow().refcount()).isEqualTo(1);
        replay.applied(decref(1, "node-42"));

        assertThat(replay.image().ghosts().stubs()).isEmpty();
        assertThat(replay.image().ghosts().table(1).purgedTotal()).isEqualTo(1);
    }

    @Test
    void anIncrefNeedsOneMoreDecrefToPurge() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "n1", 2, 1));
        replay.applied(incref(1, "n1"));

        replay.applied(decref(1, "n1"));
        assertThat(replay.image().ghosts().stub(1, "n1")).isPresent();
        replay.applied(decref(1, "n1"));
        assertThat(replay.image().ghosts().stub(1, "n1")).isEmpty();
    }

    @Test
    void aSweepPurgesStaleGhostsAndKeepsTheRest() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "stale", 2, 1));
        replay.applied(insertGhost(1, "alive", 3, 2));
        replay.applied(insertGhost(1, "unreachable", 2, 1));

        replay.advance(60_000);
        var applied = replay.applied(sweep(1, "stale", SWEEP_VERDICT_PURGE, "alive", SWEEP_VERDICT_KEEP,
                "unreachable", SWEEP_VERDICT_INCONCLUSIVE));

        assertThat(applied.changes().get(0).description())
                .isEqualTo("swept: 3 checked, 1 purged, 1 kept, 1 inconclusive");
        GhostsImage ghosts = replay.image().ghosts();
        assertThat(ghosts.onShard(1)).extracting(GhostStub::entityId).containsExactly("alive", "unreachable");
        assertThat(ghosts.table(1).purgedTotal()).isEqualTo(1);
        assertThat(ghosts.table(1).sweeps()).isEqualTo(1);
        assertThat(ghosts.table(1).lastSweepMs()).isEqualTo(replay.image().logicalTimeMs());
    }

    @Test
    void aSweepPurgesZeroRefcountGhostsWhateverTheVerdict() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "zero-ref", 2, 0));

        replay.applied(sweep(1, "zero-ref", SWEEP_VERDICT_KEEP, "already-gone", SWEEP_VERDICT_PURGE));

        assertThat(replay.image().ghosts().stubs()).isEmpty();
        assertThat(replay.image().ghosts().table(1).purgedTotal()).isEqualTo(1);
    }

    @Test
    void resolveSendsScatterGatherToTheTargetShard() {
        Replay replay = threeShards();
        replay.applied(insertGhost(2, "migrated-node", 3, 5));
        replay.applied(insertGhost(1, "migrated-node", 2, 1));

        assertThat(replay.image().ghosts().resolve(2, "migrated-node")).contains(3L);
        assertThat(replay.image().ghosts().resolveAnywhere("migrated-node")).extracting(GhostStub::sourceShard)
                .containsExactly(1L, 2L);
        assertThat(replay.image().ghosts().onShard(2)).hasSize(1);
    }

    @Test
    void anExplicitPurgeCountsAndUnknownStubsAreNotFound() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "e", 2, 4));

        replay.applied(purgeGhost(1, "e"));

        assertThat(replay.image().ghosts().table(1).purgedTotal()).isEqualTo(1);
        replay.rejected(purgeGhost(1, "e"), REJECT_NOT_FOUND);
        replay.rejected(incref(1, "e"), REJECT_NOT_FOUND);
        replay.rejected(decref(1, "e"), REJECT_NOT_FOUND);
    }

    @Test
    void insertChecksTheShards() {
        Replay replay = threeShards();

        replay.rejected(insertGhost(9, "e", 2, 1), REJECT_NOT_FOUND);
        replay.rejected(insertGhost(1, "e", 9, 1), REJECT_NOT_FOUND);
        replay.rejected(insertGhost(1, "e", 1, 1), REJECT_INVALID_ARGUMENT);
        replay.rejected(insertGhost(1, "", 2, 1), REJECT_INVALID_ARGUMENT);
        replay.rejected(sweep(1, "a", SweepVerdictProto.SWEEP_VERDICT_UNSPECIFIED), REJECT_INVALID_ARGUMENT);
        replay.rejected(sweep(1, "a", SWEEP_VERDICT_KEEP, "a", SWEEP_VERDICT_PURGE), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void aRepeatedInsertReplacesTheStub() {
        Replay replay = threeShards();
        replay.applied(insertGhost(1, "e", 2, 4));
        replay.applied(insertGhost(1, "e", 3, 1));

        GhostStub stub = replay.image().ghosts().stub(1, "e").orElseThrow();
        assertThat(stub.targetShard()).isEqualTo(3);
        assertThat(stub.refcount()).isEqualTo(1);
    }
}
