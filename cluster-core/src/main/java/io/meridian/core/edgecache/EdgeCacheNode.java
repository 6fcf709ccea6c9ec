package io.meridian.core.edgecache;

import java.util.Objects;

/**
 * A node eligible for edge caching, with its capacity and the hits and misses it reported.
 *
 * <p>Immutable and thread-safe.
 *
 * @param enabledAtMs logical time it was (last) enabled
 */
public record EdgeCacheNode(String nodeId, EdgeCacheCapacity capacity, long enabledAtMs, long hits, long misses) {

    public EdgeCacheNode {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(capacity, "capacity");
    }

    /** The node with these deltas added to its counters, saturating at Long.MAX_VALUE. */
    public EdgeCacheNode counted(long hitDelta, long missDelta) {
        return new EdgeCacheNode(nodeId, capacity, enabledAtMs, saturatingAdd(hits, hitDelta),
                saturatingAdd(misses, missDelta));
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
