package io.meridian.node.leader;

import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.core.placement.LoadView;
import io.meridian.core.routing.Key;
import io.meridian.proto.LoadReport;
import io.meridian.proto.ShardLoad;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * The load the data nodes report, as the leader keeps it: soft state, like PD's heartbeats. A
 * node's report replaces its previous one; a shard's load is the latest any replica of it
 * reported. Nothing here is replicated: a new leader starts empty ({@link #clear}) and the
 * planner waits until every node holding replicas reported again.
 *
 * <p>Thread-safe.
 */
public final class LoadStore {

    /** Most shards one report may name. */
    public static final int MAX_SHARDS_PER_REPORT = 1_000_000;

    private final LongSupplier clock;
    private final Map<String, LoadView.NodeReport> nodes = new HashMap<>();
    private final Map<Long, LoadView.ShardReport> shards = new HashMap<>();
    private LoadView view = LoadView.EMPTY;

    public LoadStore(LongSupplier clock) {
        this.clock = clock;
    }

    /** Why a report cannot be taken, or empty when it can. */
    public static Optional<String> problem(LoadReport report) {
        Optional<String> node = Validation.nodeId("node id", report.getNodeId()).map(Rejection::message);
        if (node.isPresent()) {
            return node;
        }
        if (report.getShardsCount() > MAX_SHARDS_PER_REPORT) {
            return Optional.of("a load report names at most " + MAX_SHARDS_PER_REPORT + " shards, got "
                    + report.getShardsCount());
        }
        if (report.getCapacityBytes() < 0 || report.getUsedBytes() < 0) {
            return Optional.of("capacity and usage cannot be negative");
        }
        for (ShardLoad shard : report.getShardsList()) {
            if (shard.getShardId() <= 0) {
                return Optional.of("a shard load names shard id " + Long.toUnsignedString(shard.getShardId())
                        + "; shard ids start at 1");
            }
            if (shard.getSizeBytes() < 0 || shard.getKeys() < 0 || shard.getReadsPerSec() < 0
                    || shard.getWritesPerSec() < 0) {
                return Optional.of("shard " + shard.getShardId() + ": size, keys and rates must be below 2^63");
            }
            if (shard.getSplitKey().size() > Validation.MAX_KEY_BYTES) {
                return Optional.of("shard " + shard.getShardId() + ": split key is " + shard.getSplitKey().size()
                        + " bytes; at most " + Validation.MAX_KEY_BYTES + " are allowed");
            }
        }
        return Optional.empty();
    }

    /**
     * Takes a node's report (checked with {@link #problem} first), noting each shard's epoch in
     * routing now, so that the planner can tell a report that predates a split or a move.
     */
    public synchronized void accept(LoadReport report, LongUnaryOperator epochOf) {
        long now = clock.getAsLong();
        nodes.put(report.getNodeId(), new LoadView.NodeReport(report.getNodeId(), report.getCapacityBytes(),
                report.getUsedBytes(), now));
        for (ShardLoad shard : report.getShardsList()) {
            Optional<Key> splitKey = shard.getSplitKey().isEmpty() ? Optional.empty()
                    : Optional.of(Key.of(shard.getSplitKey()));
            shards.put(shard.getShardId(), new LoadView.ShardReport(shard.getShardId(), shard.getSizeBytes(),
                    shard.getKeys(), shard.getReadsPerSec(), shard.getWritesPerSec(), splitKey,
                    epochOf.applyAsLong(shard.getShardId())));
        }
        view = null;
    }

    /** What the leader holds now, as the planner takes it. */
    public synchronized LoadView view() {
        if (view == null) {
            view = new LoadView(nodes, shards);
        }
        return view;
    }

    /** Forgets shards that no longer exist, so the store does not grow with splits and merges. */
    public synchronized void retainShards(java.util.function.LongPredicate exists) {
        if (shards.keySet().removeIf(id -> !exists.test(id))) {
            view = null;
        }
    }

    /** Forgets everything: a new leader waits for fresh reports. */
    public synchronized void clear() {
        nodes.clear();
        shards.clear();
        view = LoadView.EMPTY;
    }

    public long now() {
        return clock.getAsLong();
    }
}
