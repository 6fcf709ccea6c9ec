package io.meridian.client.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulatorGrowthTest {

    private static final long TIB = 1L << 40;

    @Test
    void aShardGrowsByItsRate() {
        assertThat(Simulator.grown(1000, 0.5, TIB)).isEqualTo(1500);
        assertThat(Simulator.grown(1000, 0, TIB)).isEqualTo(1000);
    }

    @Test
    void aShardNeverSplitStopsAtANodesDiskInsteadOfOverflowing() {
        long size = 64L << 20;
        for (int round = 0; round < 2000; round++) {
            size = Simulator.grown(size, 0.2, TIB);
            assertThat(size).as("round %d", round).isPositive().isLessThanOrEqualTo(TIB);
        }
        assertThat(size).isEqualTo(TIB);
    }
}
