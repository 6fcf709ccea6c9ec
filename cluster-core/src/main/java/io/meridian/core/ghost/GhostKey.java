package io.meridian.core.ghost;

import java.util.Objects;

/**
 * Where a ghost stub lives: its source shard and the id of the entity that moved away. Ordered by
 * shard, then entity, so one shard's stubs are one contiguous range.
 */
public record GhostKey(long sourceShard, String entityId) implements Comparable<GhostKey> {

    public GhostKey {
        Objects.requireNonNull(entityId, "entityId");
    }

    @Override
    public int compareTo(GhostKey other) {
        int byShard = Long.compare(sourceShard, other.sourceShard);
        return byShard != 0 ? byShard : entityId.compareTo(other.entityId);
    }

    @Override
    public String toString() {
        return "shard " + sourceShard + "/" + entityId;
    }
}
