package io.meridian.core.placement;

import io.meridian.core.routing.Key;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The load data nodes reported, as the leader holds it when it plans: per node its capacity and
 * usage, per shard its size and traffic. Soft state, never replicated: a new leader starts with
 * an empty view and the planner waits for the reports.
 *
 * <p>Immutable and thread-safe.
 */
public record LoadView(Map<String, NodeReport> nodes, Map<Long, ShardReport> shards) {

    public static final LoadView EMPTY = new LoadView(new TreeMap<>(), new TreeMap<>());

    public LoadView {
        nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
        shards = Collections.unmodifiableMap(new TreeMap<>(shards));
    }

    /** A node's last report: capacity and usage in bytes, and when it came (leader's clock). */
    public record NodeReport(String nodeId, long capacityBytes, long usedBytes, long reportedAtMs) {
        public NodeReport {
            Objects.requireNonNull(nodeId, "nodeId");
        }
    }

    /**
     * A shard's size and traffic, and where the data node would split it.
     *
     * @param epoch the shard's epoch in routing when the leader took the report: a report of an
     *     older epoch predates a split or merge of the shard
     */
    public record ShardReport(long shardId, long sizeBytes, long keys, long readsPerSec, long writesPerSec,
            Optional<Key> splitKey, long epoch) {
        public ShardReport {
            Objects.requireNonNull(splitKey, "splitKey");
        }

        public long qps() {
            return readsPerSec + writesPerSec;
        }
    }

    public Optional<ShardReport> shard(long id) {
        return Optional.ofNullable(shards.get(id));
    }

    public long sizeOf(long shardId) {
        ShardReport report = shards.get(shardId);
        return report == null ? 0 : report.sizeBytes();
    }

    public long qpsOf(long shardId) {
        ShardReport report = shards.get(shardId);
        return report == null ? 0 : report.qps();
    }
}
