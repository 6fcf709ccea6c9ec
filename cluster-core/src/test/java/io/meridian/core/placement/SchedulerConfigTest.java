package io.meridian.core.placement;

import static io.meridian.core.testing.Entries.pauseScheduler;
import static io.meridian.core.testing.Entries.resumeScheduler;
import static io.meridian.core.testing.Entries.setScheduler;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.testing.Replay;
import io.meridian.proto.SchedulerConfigRecord;
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

    // The parameters of entry-format 5: replication, liveness, and each checker's own limit.

    private static Replay atFormat5() {
        return Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(5);
    }

    private static final SchedulerParameter[] SINCE_FORMAT_5 = {SchedulerParameter.REPLICAS,
        SchedulerParameter.SUSPECT_AFTER, SchedulerParameter.DOWN_AFTER, SchedulerParameter.MAX_MOVES_PER_NODE,
        SchedulerParameter.REPAIR_LIMIT, SchedulerParameter.LEADER_LIMIT, SchedulerParameter.SPLIT_LIMIT,
        SchedulerParameter.MERGE_LIMIT, SchedulerParameter.BALANCE_LIMIT};

    @Test
    void exactlyTheNewParametersAreOfEntryFormat5() {
        for (SchedulerParameter parameter : SchedulerParameter.values()) {
            boolean isNew = java.util.Arrays.asList(SINCE_FORMAT_5).contains(parameter);
            assertThat(parameter.sinceEntryFormat()).as(parameter.key()).isEqualTo(isNew ? 5 : 1);
        }
        assertThat(SchedulerParameter.keys()).contains("replicas, suspect-after, down-after, max-moves-per-node, "
                + "repair-limit, leader-limit, split-limit, merge-limit, balance-limit");
    }

    @Test
    void theReplicationAndLivenessDefaultsAreTheDocumentedOnes() {
        SchedulerConfig defaults = SchedulerConfig.DEFAULT;

        assertThat(defaults.value(SchedulerParameter.REPLICAS)).isEqualTo(3);
        assertThat(defaults.value(SchedulerParameter.SUSPECT_AFTER)).isEqualTo(10_000);
        assertThat(defaults.value(SchedulerParameter.DOWN_AFTER)).isEqualTo(1_800_000);
        assertThat(defaults.value(SchedulerParameter.MAX_MOVES_PER_NODE)).isEqualTo(4);
        assertThat(defaults.value(SchedulerParameter.BALANCE_LIMIT)).isEqualTo(4);
    }

    @ParameterizedTest
    @CsvSource({
        "replicas, 1, REPLICAS, 1",
        "replicas, 7, REPLICAS, 7",
        "suspect-after, 1s, SUSPECT_AFTER, 1000",
        "suspect-after, 1000ms, SUSPECT_AFTER, 1000",
        "suspect-after, 20m, SUSPECT_AFTER, 1200000",
        "down-after, 11s, DOWN_AFTER, 11000",
        "down-after, 7d, DOWN_AFTER, 604800000",
        "max-moves-per-node, 1, MAX_MOVES_PER_NODE, 1",
        "max-moves-per-node, 100, MAX_MOVES_PER_NODE, 100",
        "repair-limit, 1000, REPAIR_LIMIT, 1000",
        "leader-limit, 1, LEADER_LIMIT, 1",
        "split-limit, 9, SPLIT_LIMIT, 9",
        "merge-limit, 3, MERGE_LIMIT, 3",
        "balance-limit, 12, BALANCE_LIMIT, 12"
    })
    void setsAParameterOfEntryFormat5(String key, String value, SchedulerParameter parameter, long stored) {
        Replay replay = atFormat5();

        var applied = replay.applied(setScheduler(key, value));

        assertThat(replay.image().scheduler().value(parameter)).isEqualTo(stored);
        assertThat(applied.changes().get(0).description()).isEqualTo(key + " set from "
                + parameter.format(parameter.defaultValue()) + " to " + parameter.format(stored));
    }

    @ParameterizedTest
    @CsvSource({
        "replicas, 0, replicas must be between 1 and 7, got 0",
        "replicas, 8, replicas must be between 1 and 7, got 8",
        "replicas, three, is not a whole number",
        "suspect-after, 999ms, suspect-after must be between 1s and 1h, got 999ms",
        "suspect-after, 61m, must be between 1s and 1h",
        "suspect-after, 10, is not a duration",
        "down-after, 1999ms, down-after must be between 2s and 7d, got 1999ms",
        "down-after, 8d, must be between 2s and 7d",
        "max-moves-per-node, 0, max-moves-per-node must be between 1 and 100, got 0",
        "max-moves-per-node, 101, must be between 1 and 100",
        "repair-limit, 0, repair-limit must be between 1 and 1000, got 0",
        "leader-limit, 1001, must be between 1 and 1000",
        "split-limit, 0, must be between 1 and 1000",
        "merge-limit, 1001, must be between 1 and 1000",
        "balance-limit, -1, is not a whole number"
    })
    void refusesAnEntryFormat5ParameterOutOfItsBoundsBeforeTheLog(String key, String value, String problem) {
        Replay replay = atFormat5();
        SchedulerConfig before = replay.image().scheduler();
        int logged = replay.log().size();

        assertThat(replay.rejected(setScheduler(key, value), REJECT_INVALID_ARGUMENT).message()).contains(problem);
        assertThat(replay.image().scheduler()).isEqualTo(before);
        assertThat(replay.log()).hasSize(logged);
    }

    @Test
    void downAfterStaysAboveSuspectAfter() {
        Replay replay = atFormat5();

        assertThat(replay.rejected(setScheduler("down-after", "10s"), REJECT_INVALID_ARGUMENT).message())
                .isEqualTo("down-after (10s) must be above suspect-after (10s)");
        assertThat(replay.rejected(setScheduler("suspect-after", "1h"), REJECT_INVALID_ARGUMENT).message())
                .isEqualTo("down-after (30m) must be above suspect-after (1h)");
        assertThat(replay.image().scheduler()).isEqualTo(SchedulerConfig.DEFAULT);

        replay.applied(setScheduler("down-after", "2h"));
        replay.applied(setScheduler("suspect-after", "1h"));
        replay.rejected(setScheduler("down-after", "1h"), REJECT_INVALID_ARGUMENT);
        replay.applied(setScheduler("down-after", "3601s"));

        assertThat(replay.image().scheduler().value(SchedulerParameter.SUSPECT_AFTER)).isEqualTo(3_600_000);
        assertThat(replay.image().scheduler().value(SchedulerParameter.DOWN_AFTER)).isEqualTo(3_601_000);
        assertThat(replay.image().scheduler().inconsistency()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"1, replicas, 5", "4, replicas, 5", "4, suspect-after, 5s", "4, down-after, 1h",
        "4, max-moves-per-node, 2", "4, repair-limit, 2", "4, leader-limit, 2", "4, split-limit, 2",
        "4, merge-limit, 2", "4, balance-limit, 2"})
    void anEntryFormat5ParameterIsRefusedBeforeTheLogBelowEntryFormat5(long format, String key, String value) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        int logged = replay.log().size();

        assertThat(replay.rejected(setScheduler(key, value), REJECT_CAPABILITY_GATED).message())
                .startsWith("node health, replica counts and repairs need meridian.entry-format >= 5; the cluster "
                        + "is at " + format);
        assertThat(replay.log()).hasSize(logged);
        assertThat(replay.image().scheduler()).isEqualTo(SchedulerConfig.DEFAULT);
        // The parameters of the first catalogue are set at any format.
        replay.applied(setScheduler("tick-interval", "5s"));
    }

    @Test
    void theSnapshotRecordHoldsZeroForEveryEntryFormat5ParameterAtItsDefault() {
        SchedulerConfigRecord record = SchedulerConfig.DEFAULT.toSnapshotRecord();

        assertThat(record.getReplicas()).isZero();
        assertThat(record.getSuspectAfterMs()).isZero();
        assertThat(record.getDownAfterMs()).isZero();
        assertThat(record.getMaxMovesPerNode()).isZero();
        assertThat(record.getRepairLimit()).isZero();
        assertThat(record.getLeaderLimit()).isZero();
        assertThat(record.getSplitLimit()).isZero();
        assertThat(record.getMergeLimit()).isZero();
        assertThat(record.getBalanceLimit()).isZero();
        // The first catalogue's parameters are written as they are, as before.
        assertThat(record.getTickIntervalMs()).isEqualTo(10_000);
        assertThat(record.getMaxActionsPerTick()).isEqualTo(5);
        // What the API shows has every value.
        SchedulerConfigRecord shown = SchedulerConfig.DEFAULT.toProto();
        assertThat(shown.getReplicas()).isEqualTo(3);
        assertThat(shown.getDownAfterMs()).isEqualTo(1_800_000);
        for (SchedulerParameter parameter : SINCE_FORMAT_5) {
            assertThat(SchedulerConfig.DEFAULT.value(parameter)).as(parameter.key()).isPositive();
        }
        assertThat(SchedulerConfig.fromProto(record)).isEqualTo(SchedulerConfig.DEFAULT);
        assertThat(SchedulerConfig.fromProto(shown)).isEqualTo(SchedulerConfig.DEFAULT);
    }

    @Test
    void setEntryFormat5ParametersAreRecordedAndReadBack() {
        Replay replay = atFormat5();
        for (String[] kv : new String[][] {{"replicas", "5"}, {"down-after", "1h"}, {"suspect-after", "20s"},
            {"max-moves-per-node", "2"}, {"repair-limit", "9"}, {"leader-limit", "7"}, {"split-limit", "6"},
            {"merge-limit", "5"}, {"balance-limit", "3"}}) {
            replay.applied(setScheduler(kv[0], kv[1]));
        }
        SchedulerConfig config = replay.image().scheduler();

        SchedulerConfigRecord record = config.toSnapshotRecord();

        assertThat(record.getReplicas()).isEqualTo(5);
        assertThat(record.getSuspectAfterMs()).isEqualTo(20_000);
        assertThat(record.getDownAfterMs()).isEqualTo(3_600_000);
        assertThat(record.getMaxMovesPerNode()).isEqualTo(2);
        assertThat(record.getRepairLimit()).isEqualTo(9);
        assertThat(record.getLeaderLimit()).isEqualTo(7);
        assertThat(record.getSplitLimit()).isEqualTo(6);
        assertThat(record.getMergeLimit()).isEqualTo(5);
        assertThat(record.getBalanceLimit()).isEqualTo(3);
        assertThat(SchedulerConfig.fromProto(record)).isEqualTo(config);
        assertThat(SchedulerConfig.fromProto(config.toProto())).isEqualTo(config);
    }

    @Test
    void aParameterSetBackToItsDefaultIsRecordedAsZeroAgain() {
        Replay replay = atFormat5();
        replay.applied(setScheduler("replicas", "5"));
        replay.applied(setScheduler("suspect-after", "30s"));

        replay.applied(setScheduler("replicas", "3"));
        replay.applied(setScheduler("suspect-after", "10000ms"));

        assertThat(replay.image().scheduler()).isEqualTo(SchedulerConfig.DEFAULT);
        assertThat(replay.image().scheduler().toSnapshotRecord()).isEqualTo(SchedulerConfig.DEFAULT.toSnapshotRecord());
    }

    @Test
    void aRecordOutOfBoundsOrInconsistentIsRefusedOnLoad() {
        SchedulerConfigRecord defaults = SchedulerConfig.DEFAULT.toSnapshotRecord();

        assertThatThrownBy(() -> SchedulerConfig.fromProto(defaults.toBuilder().setReplicas(8).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replicas is out of bounds: 8");
        assertThatThrownBy(() -> SchedulerConfig.fromProto(defaults.toBuilder().setRepairLimit(1001).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repair-limit");
        assertThatThrownBy(() -> SchedulerConfig.fromProto(defaults.toBuilder().setSuspectAfterMs(3_600_000)
                .setDownAfterMs(1_200_000).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("down-after (20m) must be above suspect-after (1h)");
    }
}
