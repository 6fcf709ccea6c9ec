package io.meridian.core.ghost;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * Every ghost stub, by source shard and entity, and per source shard its purge and sweep
 * statistics.
 *
 * <p>Immutable and thread-safe.
 */
public record GhostsImage(TreePMap<GhostKey, GhostStub> stubs, TreePMap<Long, GhostTableStats> tables) {

    public static final GhostsImage EMPTY = new GhostsImage(TreePMap.empty(), TreePMap.empty());

    public GhostsImage {
        Objects.requireNonNull(stubs, "stubs");
        Objects.requireNonNull(tables, "tables");
    }

    public Optional<GhostStub> stub(long sourceShard, String entityId) {
        return Optional.ofNullable(stubs.get(new GhostKey(sourceShard, entityId)));
    }

    /** The shard to ask for an entity met on the source shard, if it moved away. */
    public Optional<Long> resolve(long sourceShard, String entityId) {
        return stub(sourceShard, entityId).map(GhostStub::targetShard);
    }

    /** Every stub of the entity, on any source shard, by source shard. */
    public List<GhostStub> resolveAnywhere(String entityId) {
        List<GhostStub> out = new ArrayList<>();
        for (GhostStub stub : stubs.values()) {
            if (stub.entityId().equals(entityId)) {
                out.add(stub);
            }
        }
        return out;
    }

    /** The source shard's stubs, by entity: a range of the sorted map. */
    public Collection<GhostStub> onShard(long sourceShard) {
        return stubs.subMap(new GhostKey(sourceShard, ""), new GhostKey(sourceShard + 1, "")).values();
    }

    public GhostTableStats table(long sourceShard) {
        return tables.getOrDefault(sourceShard, GhostTableStats.empty(sourceShard));
    }

    public GhostsImage withStub(GhostStub stub) {
        return new GhostsImage(stubs.plus(stub.key(), stub), tables.plus(stub.sourceShard(),
                table(stub.sourceShard())));
    }

    /** The image without the stub, counted as purged on its shard. */
    public GhostsImage purged(GhostKey key) {
        return new GhostsImage(stubs.minus(key), tables.plus(key.sourceShard(), table(key.sourceShard()).purged(1)));
    }

    public GhostsImage withTable(GhostTableStats stats) {
        return new GhostsImage(stubs, tables.plus(stats.sourceShard(), stats));
    }
}
