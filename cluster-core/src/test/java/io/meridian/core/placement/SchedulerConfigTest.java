package io.meridian.core.placement;

import static io.meridian.core.testing.Entries.pauseScheduler;
import static io.meridian.core.testing.Entries.resumeScheduler;
import static io.meridian.core.testing.Entries.setScheduler;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Replay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SchedulerConfigTest {

    @Test
    void defaultsFollowTheSeedScheduler() {
        SchedulerConfig defaults = SchedulerConfig.DEFAULT;

        assertThat(defaults.paused()).isFalse();
        assertThat(defaults.maxActionsPerTick()).isEqualTo(5);
        assertThat(defaults.imbalanceThresholdBps()).isEqualTo(2_000);
        assertThat(defaults.tickIntervalMs()).isEqualTo(10_000);
        assertThat(defaults.inconsistency()).isEmpty();
    }

    @Test
    void pauseAndResumeAreReplicatedState() {
        Replay replay = new Replay();
        assertThat(replay.image().scheduler()).isEqualTo(SchedulerConfig.DEFAULT);

        replay.applied(pauseScheduler("maintenance window"));
        assertThat(replay.image().scheduler().paused()).isTrue();
        assertThat(replay.image().scheduler().pauseReason()).isEqualTo("maintenance window");

        replay.applied(resumeScheduler());
        assertThat(replay.image().scheduler().paused()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
        "tick-interval, 30s, TICK_INTERVAL, 30000",
        "tick-interval, 250ms, TICK_INTERVAL, 250",
        "max-actions-per-tick, 12, MAX_ACTIONS_PER_TICK, 12",
        "imbalance-threshold, 0.15, IMBALANCE_THRESHOLD, 1500",
        "imbalance-threshold, 35%, IMBALANCE_THRESHOLD, 3500",
        "split-size, 512MiB, SPLIT_SIZE, 536870912",
        "merge-size, 1048576, MERGE_SIZE, 1048576",
        "cooldown, 2h, COOLDOWN, 7200000",
        "cooldown, 0s, COOLDOWN, 0",
        "budget-window, 1d, BUDGET_WINDOW, 86400000",
        "migration-stall-ticks, 7, MIGRATION_STALL_TICKS, 7"
    })
    void setsAParameterFromTheFormAnOperatorTypes(String key, String value, SchedulerParameter parameter, long stored) {
        Replay replay = new Replay();

        var applied = replay.applied(setScheduler(key, value));

        assertThat(replay.image().scheduler().value(parameter)).isEqualTo(stored);
        assertThat(applied.changes().get(0).description()).startsWith(key + " set from ");
    }

    @ParameterizedTest
    @CsvSource({
        "tick-interval, 30, not a duration",
        "tick-interval, 10ms, between",
        "max-actions-per-tick, 0, between",
        "max-actions-per-tick, -3, not a whole number",
        "imbalance-threshold, 0.12345, finer than",
        "split-size, 12PiB, not a size",
        "split-size, 999999999999999TiB, too large",
        "merge-size, 200MiB, must be below split-size",
        "merge-qps, 3000, must be below split-qps"
    })
    void refusesMalformedOrOutOfRangeValues(String key, String value, String problem) {
        Replay replay = new Replay();

        assertThat(replay.rejected(setScheduler(key, value), REJECT_INVALID_ARGUMENT).message()).contains(problem);
        assertThat(replay.image().scheduler()).isEqualTo(SchedulerConfig.DEFAULT);
    }

    @Test
    void anUnknownKeyIsRefusedWithTheListOfKeys() {
        assertThat(new Replay().rejected(setScheduler("speed", "11"), REJECT_INVALID_ARGUMENT).message())
                .contains("unknown scheduler parameter 'speed'").contains("tick-interval").contains("move-budget");
    }

    @Test
    void storedValuesFormatBackAsOperatorsWriteThem() {
        assertThat(SchedulerParameter.TICK_INTERVAL.format(10_000)).isEqualTo("10s");
        assertThat(SchedulerParameter.SPLIT_SIZE.format(96L << 20)).isEqualTo("96MiB");
        assertThat(SchedulerParameter.IMBALANCE_THRESHOLD.format(2_000)).isEqualTo("0.2");
        assertThat(SchedulerParameter.COOLDOWN.format(0)).isEqualTo("0ms");
        assertThat(SchedulerConfig.fromProto(SchedulerConfig.DEFAULT.toProto())).isEqualTo(SchedulerConfig.DEFAULT);
    }
}
