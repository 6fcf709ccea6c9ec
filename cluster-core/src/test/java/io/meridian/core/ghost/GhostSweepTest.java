package io.meridian.core.ghost;

import static io.meridian.core.testing.Entries.insertGhost;
import static io.meridian.core.testing.Entries.merge;
import static io.meridian.core.testing.Entries.split;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Replay;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The leader's anti-entropy sweep: which stubs it purges, one source shard at a time, through the log. */
class GhostSweepTest {

    private final Replay replay = Replay.bootstrapped("n1", "n2", "n3");

    @Test
    void nothingToSweepWhileEveryStubPointsAtALiveShard() {
        replay.applied(split(1, "m"));
        replay.applied(insertGhost(1, "user-1", 2, 1));

        assertThat(GhostSweep.next(replay.image(), 0)).isEmpty();
    }

    @Test
    void aStubWhoseTargetShardIsGoneIsPurgedByTheRecordedSweep() {
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));
        replay.applied(insertGhost(1, "user-1", 3, 2));
        replay.applied(insertGhost(1, "user-2", 2, 1));
        replay.applied(merge(2, 3));

        Optional<GhostSweep.Proposal> sweep = GhostSweep.next(replay.image(), 0);

        assertThat(sweep).hasValueSatisfying(proposal -> {
            assertThat(proposal.sourceShard()).isEqualTo(1);
            assertThat(proposal.purges()).isEqualTo(1);
        });
        replay.applied(sweep.get().entry());
        assertThat(replay.image().ghosts().stub(1, "user-1")).isEmpty();
        assertThat(replay.image().ghosts().stub(1, "user-2")).isPresent();
        assertThat(GhostSweep.next(replay.image(), 0)).isEmpty();
    }

    @Test
    void sweepsGoRoundTheSourceShardsFromTheCursor() {
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));
        replay.applied(split(3, "t"));
        replay.applied(insertGhost(1, "a", 4, 1));
        replay.applied(insertGhost(2, "b", 4, 1));
        replay.applied(merge(3, 4));

        assertThat(GhostSweep.next(replay.image(), 0).orElseThrow().sourceShard()).isEqualTo(1);
        assertThat(GhostSweep.next(replay.image(), 1).orElseThrow().sourceShard()).isEqualTo(2);
        assertThat(GhostSweep.next(replay.image(), 2).orElseThrow().sourceShard()).isEqualTo(1);
    }
}
