package io.meridian.core.placement;

import io.meridian.proto.SchedulerConfigRecord;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The placement scheduler's configuration: whether it is paused (and why) and the value of every
 * {@link SchedulerParameter}. It is replicated state, so a pause or a setting survives a leader
 * failover.
 *
 * <p>Immutable and thread-safe.
 */
public record SchedulerConfig(boolean paused, String pauseReason, TreePMap<SchedulerParameter, Long> values) {

    public static final SchedulerConfig DEFAULT = defaults();

    public SchedulerConfig {
        Objects.requireNonNull(pauseReason, "pauseReason");
        Objects.requireNonNull(values, "values");
        if (values.size() != SchedulerParameter.values().length) {
            throw new IllegalArgumentException("scheduler config must set every parameter, has " + values.keySet());
        }
    }

    private static SchedulerConfig defaults() {
        TreePMap<SchedulerParameter, Long> values = TreePMap.empty();
        for (SchedulerParameter parameter : SchedulerParameter.values()) {
            values = values.plus(parameter, parameter.defaultValue());
        }
        return new SchedulerConfig(false, "", values);
    }

    public long value(SchedulerParameter parameter) {
        return values.get(parameter);
    }

    public long tickIntervalMs() {
        return value(SchedulerParameter.TICK_INTERVAL);
    }

    public int maxActionsPerTick() {
        return (int) value(SchedulerParameter.MAX_ACTIONS_PER_TICK);
    }

    public long imbalanceThresholdBps() {
        return value(SchedulerParameter.IMBALANCE_THRESHOLD);
    }

    public SchedulerConfig withPaused(boolean value, String reason) {
        return new SchedulerConfig(value, reason, values);
    }

    public SchedulerConfig with(SchedulerParameter parameter, long value) {
        return new SchedulerConfig(paused, pauseReason, values.plus(parameter, value));
    }

    /** A cross-parameter constraint this configuration breaks, if any. */
    public Optional<String> inconsistency() {
        if (value(SchedulerParameter.MERGE_SIZE) >= value(SchedulerParameter.SPLIT_SIZE)) {
            return Optional.of("merge-size (" + formatted(SchedulerParameter.MERGE_SIZE)
                    + ") must be below split-size (" + formatted(SchedulerParameter.SPLIT_SIZE) + ")");
        }
        if (value(SchedulerParameter.DOWN_AFTER) <= value(SchedulerParameter.SUSPECT_AFTER)) {
            return Optional.of("down-after (" + formatted(SchedulerParameter.DOWN_AFTER)
                    + ") must be above suspect-after (" + formatted(SchedulerParameter.SUSPECT_AFTER) + ")");
        }
        if (value(SchedulerParameter.MERGE_QPS) >= value(SchedulerParameter.SPLIT_QPS)) {
            return Optional.of("merge-qps (" + value(SchedulerParameter.MERGE_QPS) + ") must be below split-qps ("
                    + value(SchedulerParameter.SPLIT_QPS) + ")");
        }
        return Optional.empty();
    }

    private String formatted(SchedulerParameter parameter) {
        return parameter.format(value(parameter));
    }

    /** Every value, as the API shows it. */
    public SchedulerConfigRecord toProto() {
        SchedulerConfigRecord.Builder builder = SchedulerConfigRecord.newBuilder()
                .setPaused(paused)
                .setPauseReason(pauseReason);
        for (SchedulerParameter parameter : SchedulerParameter.values()) {
            parameter.writeValue(builder, value(parameter));
        }
        return builder.build();
    }

    /**
     * The record a snapshot keeps: parameters added after entry-format 1 are left at 0 while they
     * have their default, so a snapshot is the same bytes an older version writes until one is set.
     */
    public SchedulerConfigRecord toSnapshotRecord() {
        SchedulerConfigRecord.Builder builder = SchedulerConfigRecord.newBuilder()
                .setPaused(paused)
                .setPauseReason(pauseReason);
        for (SchedulerParameter parameter : SchedulerParameter.values()) {
            parameter.write(builder, value(parameter));
        }
        return builder.build();
    }

    /** The configuration a record (either form) holds, or what is wrong with it. */
    public static SchedulerConfig fromProto(SchedulerConfigRecord record) {
        TreePMap<SchedulerParameter, Long> values = TreePMap.empty();
        for (SchedulerParameter parameter : SchedulerParameter.values()) {
            long value = parameter.read(record);
            if (!parameter.inBounds(value)) {
                throw new IllegalArgumentException(
                        "scheduler parameter " + parameter.key() + " is out of bounds: " + value);
            }
            values = values.plus(parameter, value);
        }
        SchedulerConfig config = new SchedulerConfig(record.getPaused(), record.getPauseReason(), values);
        config.inconsistency().ifPresent(problem -> {
            throw new IllegalArgumentException("scheduler config is inconsistent: " + problem);
        });
        return config;
    }
}
