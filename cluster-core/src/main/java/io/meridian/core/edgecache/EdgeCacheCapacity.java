package io.meridian.core.edgecache;

import java.util.Objects;

/**
 * What a node gives to edge caching: cpu cores, RAM and disk (MiB), and its geo (empty if none).
 *
 * <p>Immutable and thread-safe.
 */
public record EdgeCacheCapacity(int cpuCores, long ramMib, long diskMib, String geo) {

    public EdgeCacheCapacity {
        Objects.requireNonNull(geo, "geo");
    }
}
