package io.meridian.core.placement;

import io.meridian.proto.SchedulerConfigRecord;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settable parameters of the placement scheduler: their keys, value forms, bounds, defaults,
 * and their fields in the state record. This table is the one place a parameter is defined.
 */
public enum SchedulerParameter {
    TICK_INTERVAL("tick-interval", Kind.DURATION, 100, 3_600_000L, 10_000L,
            SchedulerConfigRecord::getTickIntervalMs, SchedulerConfigRecord.Builder::setTickIntervalMs),
    MAX_ACTIONS_PER_TICK("max-actions-per-tick", Kind.INTEGER, 1, 1000, 5,
            SchedulerConfigRecord::getMaxActionsPerTick, (b, v) -> b.setMaxActionsPerTick((int) v)),
    IMBALANCE_THRESHOLD("imbalance-threshold", Kind.RATIO, 0, 100_000, 2_000,
            SchedulerConfigRecord::getImbalanceThresholdBps, (b, v) -> b.setImbalanceThresholdBps((int) v)),
    SPLIT_SIZE("split-size", Kind.BYTES, 1L << 20, 1L << 40, 96L << 20,
            SchedulerConfigRecord::getSplitSizeBytes, SchedulerConfigRecord.Builder::setSplitSizeBytes),
    SPLIT_QPS("split-qps", Kind.INTEGER, 1, 1_000_000_000L, 2_500,
            SchedulerConfigRecord::getSplitQps, SchedulerConfigRecord.Builder::setSplitQps),
    MERGE_SIZE("merge-size", Kind.BYTES, 0, 1L << 40, 20L << 20,
            SchedulerConfigRecord::getMergeSizeBytes, SchedulerConfigRecord.Builder::setMergeSizeBytes),
    MERGE_QPS("merge-qps", Kind.INTEGER, 0, 1_000_000_000L, 100,
            SchedulerConfigRecord::getMergeQps, SchedulerConfigRecord.Builder::setMergeQps),
    COOLDOWN("cooldown", Kind.DURATION, 0, 7 * 86_400_000L, 300_000L,
            SchedulerConfigRecord::getCooldownMs, SchedulerConfigRecord.Builder::setCooldownMs),
    MOVE_BUDGET("move-budget", Kind.INTEGER, 1, 100_000, 1_000,
            SchedulerConfigRecord::getMoveBudget, (b, v) -> b.setMoveBudget((int) v)),
    BUDGET_WINDOW("budget-window", Kind.DURATION, 60_000L, 7 * 86_400_000L, 3_600_000L,
            SchedulerConfigRecord::getBudgetWindowMs, SchedulerConfigRecord.Builder::setBudgetWindowMs),
    MIGRATION_STALL_TICKS("migration-stall-ticks", Kind.INTEGER, 1, 100_000, 30,
            SchedulerConfigRecord::getMigrationStallTicks, (b, v) -> b.setMigrationStallTicks((int) v)),
    // From meridian.entry-format 5: replication, liveness and each checker's own limit per tick.
    REPLICAS("replicas", Kind.INTEGER, 1, 7, 3, 5,
            SchedulerConfigRecord::getReplicas, (b, v) -> b.setReplicas((int) v)),
    SUSPECT_AFTER("suspect-after", Kind.DURATION, 1_000, 3_600_000L, 10_000L, 5,
            SchedulerConfigRecord::getSuspectAfterMs, SchedulerConfigRecord.Builder::setSuspectAfterMs),
    DOWN_AFTER("down-after", Kind.DURATION, 2_000, 7 * 86_400_000L, 1_800_000L, 5,
            SchedulerConfigRecord::getDownAfterMs, SchedulerConfigRecord.Builder::setDownAfterMs),
    MAX_MOVES_PER_NODE("max-moves-per-node", Kind.INTEGER, 1, 100, 4, 5,
            SchedulerConfigRecord::getMaxMovesPerNode, (b, v) -> b.setMaxMovesPerNode((int) v)),
    REPAIR_LIMIT("repair-limit", Kind.INTEGER, 1, 1000, 4, 5,
            SchedulerConfigRecord::getRepairLimit, (b, v) -> b.setRepairLimit((int) v)),
    LEADER_LIMIT("leader-limit", Kind.INTEGER, 1, 1000, 2, 5,
            SchedulerConfigRecord::getLeaderLimit, (b, v) -> b.setLeaderLimit((int) v)),
    SPLIT_LIMIT("split-limit", Kind.INTEGER, 1, 1000, 2, 5,
            SchedulerConfigRecord::getSplitLimit, (b, v) -> b.setSplitLimit((int) v)),
    MERGE_LIMIT("merge-limit", Kind.INTEGER, 1, 1000, 1, 5,
            SchedulerConfigRecord::getMergeLimit, (b, v) -> b.setMergeLimit((int) v)),
    BALANCE_LIMIT("balance-limit", Kind.INTEGER, 1, 1000, 4, 5,
            SchedulerConfigRecord::getBalanceLimit, (b, v) -> b.setBalanceLimit((int) v));

    /** How a parameter's value is written. */
    public enum Kind {
        /** A whole number. */
        INTEGER,
        /** A number with a unit: ms, s, m, h, d. Kept in milliseconds. */
        DURATION,
        /** A number with an optional unit: B, KiB, MiB, GiB, TiB. Kept in bytes. */
        BYTES,
        /** A decimal such as 0.2, or a percentage such as 20%. Kept in basis points. */
        RATIO
    }

    private static final Pattern INTEGER = Pattern.compile("[0-9]{1,15}");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,15})(ms|s|m|h|d)");
    private static final Pattern BYTES = Pattern.compile("([0-9]{1,15})(B|KiB|MiB|GiB|TiB)?");
    private static final Pattern RATIO = Pattern.compile("([0-9]{1,6}(\\.[0-9]{1,10})?)(%?)");

    private final String key;
    private final Kind kind;
    private final long min;
    private final long max;
    private final long defaultValue;
    private final int sinceEntryFormat;
    private final ToLongFunction<SchedulerConfigRecord> reader;
    private final ObjLongConsumer<SchedulerConfigRecord.Builder> writer;

    SchedulerParameter(String key, Kind kind, long min, long max, long defaultValue,
            ToLongFunction<SchedulerConfigRecord> reader, ObjLongConsumer<SchedulerConfigRecord.Builder> writer) {
        this(key, kind, min, max, defaultValue, 1, reader, writer);
    }

    SchedulerParameter(String key, Kind kind, long min, long max, long defaultValue, int sinceEntryFormat,
            ToLongFunction<SchedulerConfigRecord> reader, ObjLongConsumer<SchedulerConfigRecord.Builder> writer) {
        this.key = key;
        this.kind = kind;
        this.min = min;
        this.max = max;
        this.defaultValue = defaultValue;
        this.sinceEntryFormat = sinceEntryFormat;
        this.reader = reader;
        this.writer = writer;
    }

    /** The meridian.entry-format that introduced the parameter: the leader refuses to set it below. */
    public int sinceEntryFormat() {
        return sinceEntryFormat;
    }

    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public long defaultValue() {
        return defaultValue;
    }

    public static Optional<SchedulerParameter> forKey(String key) {
        for (SchedulerParameter parameter : values()) {
            if (parameter.key.equals(key)) {
                return Optional.of(parameter);
            }
        }
        return Optional.empty();
    }

    /** Every key, comma separated, for error messages. */
    public static String keys() {
        StringBuilder out = new StringBuilder();
        for (SchedulerParameter parameter : values()) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(parameter.key);
        }
        return out.toString();
    }

    /**
     * The value in its stored unit, or a description of what is wrong with the text: its form, then
     * this release's bounds. The leader checks this before the log.
     */
    public ParsedValue parse(String text) {
        ParsedValue decoded = decode(text);
        if (decoded.problem().isPresent()) {
            return decoded;
        }
        if (decoded.value() < min || decoded.value() > max) {
            return ParsedValue.problem(String.format(Locale.ROOT, "%s must be between %s and %s, got %s", key,
                    format(min), format(max), text));
        }
        return decoded;
    }

    /**
     * The value in its stored unit, judged by its form alone: what apply uses, trusting the bounds
     * the leader checked before the log (a later release may move them; the log keeps its values).
     */
    public ParsedValue decode(String text) {
        long value;
        try {
            value = switch (kind) {
                case INTEGER -> {
                    if (!INTEGER.matcher(text).matches()) {
                        yield -1;
                    }
                    yield Long.parseLong(text);
                }
                case DURATION -> {
                    Matcher m = DURATION.matcher(text);
                    if (!m.matches()) {
                        yield -1;
                    }
                    long unit = switch (m.group(2)) {
                        case "ms" -> 1L;
                        case "s" -> 1_000L;
                        case "m" -> 60_000L;
                        case "h" -> 3_600_000L;
                        default -> 86_400_000L;
                    };
                    yield Math.multiplyExact(Long.parseLong(m.group(1)), unit);
                }
                case BYTES -> {
                    Matcher m = BYTES.matcher(text);
                    if (!m.matches()) {
                        yield -1;
                    }
                    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                        case "B" -> 0;
                        case "KiB" -> 10;
                        case "MiB" -> 20;
                        case "GiB" -> 30;
                        default -> 40;
                    };
                    yield Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
                }
                case RATIO -> {
                    Matcher m = RATIO.matcher(text);
                    if (!m.matches()) {
                        yield -1;
                    }
                    BigDecimal number = new BigDecimal(m.group(1));
                    BigDecimal bps = number.movePointRight(m.group(3).isEmpty() ? 4 : 2);
                    if (bps.stripTrailingZeros().scale() > 0) {
                        yield -2;
                    }
                    yield bps.longValueExact();
                }
            };
        } catch (ArithmeticException overflow) {
            return ParsedValue.problem(String.format(Locale.ROOT, "%s value '%s' is too large", key, text));
        }
        if (value == -1) {
            return ParsedValue.problem(String.format(Locale.ROOT, "%s value '%s' is not %s", key, text, form()));
        }
        if (value == -2) {
            return ParsedValue.problem(String.format(Locale.ROOT, "%s value '%s' is finer than 0.0001", key, text));
        }
        return ParsedValue.of(value);
    }

    private String form() {
        return switch (kind) {
            case INTEGER -> "a whole number";
            case DURATION -> "a duration such as 500ms, 30s, 10m, 1h or 2d";
            case BYTES -> "a size such as 1048576, 512KiB, 96MiB or 1GiB";
            case RATIO -> "a ratio such as 0.2 or 20%";
        };
    }

    /** A stored value written the way an operator would type it. */
    public String format(long value) {
        return switch (kind) {
            case INTEGER -> Long.toString(value);
            case DURATION -> formatDuration(value);
            case BYTES -> formatBytes(value);
            case RATIO -> BigDecimal.valueOf(value).movePointLeft(4).stripTrailingZeros().toPlainString();
        };
    }

    private static String formatDuration(long ms) {
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms != 0 && ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }

    private static String formatBytes(long bytes) {
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < shifts.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + names[i];
            }
        }
        return bytes + "B";
    }

    /**
     * The value a record holds. A parameter added after entry-format 1 is 0 in the record while it
     * has its default, so that snapshots stay byte for byte what an older version writes.
     */
    long read(SchedulerConfigRecord record) {
        long value = reader.applyAsLong(record);
        return sinceEntryFormat > 1 && value == 0 ? defaultValue : value;
    }

    /** Writes the value as a snapshot keeps it (see {@link #read}). */
    void write(SchedulerConfigRecord.Builder builder, long value) {
        if (sinceEntryFormat == 1 || value != defaultValue) {
            writer.accept(builder, value);
        }
    }

    /** Writes the value as it is. */
    void writeValue(SchedulerConfigRecord.Builder builder, long value) {
        writer.accept(builder, value);
    }

    /** Whether a stored value is in this parameter's bounds (snapshot load checks it). */
    public boolean inBounds(long value) {
        return value >= min && value <= max;
    }

    /** A parsed value, or what is wrong with the text. */
    public record ParsedValue(long value, Optional<String> problem) {

        static ParsedValue of(long value) {
            return new ParsedValue(value, Optional.empty());
        }

        static ParsedValue problem(String problem) {
            return new ParsedValue(0, Optional.of(problem));
        }
    }
}
