package io.meridian.core.routing;

import io.meridian.core.SortedRun;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.pcollections.TreePMap;

/**
 * Routing: the shards that partition the keyspace, the replica groups that hold them, and a
 * version that every routing change bumps.
 *
 * <p>Shards are indexed twice, by id and by start key, so that finding the shard that owns a key
 * is a floor lookup: O(log n). The per-group shard count is derived (rebuilt on snapshot load,
 * never written). Every map is a persistent sorted map, so a change costs O(log n) whatever the
 * number of shards. Immutable and thread-safe.
 *
 * @param nextShardId the id the next new shard gets
 * @param nextGroupId the id the next new group gets
 */
public record RoutingImage(
        TreePMap<Long, Shard> shards,
        TreePMap<Key, Long> shardsByStart,
        TreePMap<Long, ReplicaGroup> groups,
        TreePMap<Long, Integer> shardCountByGroup,
        long version,
        long nextShardId,
        long nextGroupId) {

    public static final RoutingImage EMPTY = new RoutingImage(
            TreePMap.empty(), TreePMap.empty(), TreePMap.empty(), TreePMap.empty(), 0, 1, 1);

    private static final Comparator<Map.Entry<Long, Shard>> BY_START =
            Comparator.comparing(entry -> entry.getValue().start());

    public RoutingImage {
        Objects.requireNonNull(shards, "shards");
        Objects.requireNonNull(shardsByStart, "shardsByStart");
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(shardCountByGroup, "shardCountByGroup");
    }

    /**
     * A routing image from its stored parts, with the derived indexes rebuilt. Linear but for two
     * sorts of arrays: a snapshot load of a million shards runs this once.
     */
    public static RoutingImage of(
            TreePMap<Long, Shard> shards, TreePMap<Long, ReplicaGroup> groups,
            long version, long nextShardId, long nextGroupId) {
        @SuppressWarnings("unchecked")
        Map.Entry<Long, Shard>[] byStartOrder = shards.entrySet().toArray(new Map.Entry[0]);
        // Stable, so shards that share a start (a broken state, which the invariants report) stay in
        // id order and the last of them is indexed, as a map keeps the last value put.
        Arrays.sort(byStartOrder, BY_START);
        SortedRun<Key, Long> byStart = new SortedRun<>(byStartOrder.length);
        long[] groupOfShard = new long[byStartOrder.length];
        for (int i = 0; i < byStartOrder.length; i++) {
            Map.Entry<Long, Shard> entry = byStartOrder[i];
            if (!byStart.add(entry.getValue().start(), entry.getKey())) {
                byStart.replaceLast(entry.getKey());
            }
            groupOfShard[i] = entry.getValue().groupId();
        }
        Arrays.sort(groupOfShard);
        SortedRun<Long, Integer> counts = new SortedRun<>();
        for (int i = 0; i < groupOfShard.length; ) {
            int first = i;
            while (i < groupOfShard.length && groupOfShard[i] == groupOfShard[first]) {
                i++;
            }
            counts.add(groupOfShard[first], i - first);
        }
        return new RoutingImage(shards, byStart.toTreePMap(), groups, counts.toTreePMap(), version, nextShardId,
                nextGroupId);
    }

    public Optional<Shard> shard(long id) {
        return Optional.ofNullable(shards.get(id));
    }

    public Optional<ReplicaGroup> group(long id) {
        return Optional.ofNullable(groups.get(id));
    }

    /** The shard that owns the key: O(log n). Empty only before bootstrap. */
    public Optional<Shard> locate(Key key) {
        Map.Entry<Key, Long> floor = shardsByStart.floorEntry(key);
        if (floor == null) {
            return Optional.empty();
        }
        Shard shard = shards.get(floor.getValue());
        return shard.contains(key) ? Optional.of(shard) : Optional.empty();
    }

    /** The shard whose range starts where this one ends, if any. */
    public Optional<Shard> rightNeighbour(Shard shard) {
        if (shard.end().isEmpty()) {
            return Optional.empty();
        }
        Long id = shardsByStart.get(shard.end());
        return id == null ? Optional.empty() : Optional.of(shards.get(id));
    }

    public int shardCount(long groupId) {
        return shardCountByGroup.getOrDefault(groupId, 0);
    }

    /** The group whose members are exactly these, if any (the smallest id if several). */
    public Optional<ReplicaGroup> groupWithMembers(Set<String> members) {
        for (ReplicaGroup group : groups.values()) {
            if (group.members().equals(members)) {
                return Optional.of(group);
            }
        }
        return Optional.empty();
    }

    /** Puts a shard, keeping the indexes in step. The version is not bumped. */
    public RoutingImage withShard(Shard shard) {
        Shard old = shards.get(shard.id());
        TreePMap<Key, Long> byStart = shardsByStart;
        TreePMap<Long, Integer> counts = shardCountByGroup;
        // A shard that keeps its start (a reassignment, a move, the left half of a split) is already
        // indexed under it: putting it again would copy a path of the start-key tree for nothing.
        boolean sameStart = old != null && old.start().equals(shard.start());
        if (old != null) {
            if (!sameStart) {
                byStart = byStart.minus(old.start());
            }
            counts = decrement(counts, old.groupId());
        }
        if (!sameStart) {
            byStart = byStart.plus(shard.start(), shard.id());
        }
        counts = counts.plus(shard.groupId(), counts.getOrDefault(shard.groupId(), 0) + 1);
        return new RoutingImage(shards.plus(shard.id(), shard), byStart, groups, counts, version,
                nextShardId, nextGroupId);
    }

    /** Removes a shard, keeping the indexes in step. The version is not bumped. */
    public RoutingImage withoutShard(long id) {
        Shard old = shards.get(id);
        if (old == null) {
            return this;
        }
        return new RoutingImage(shards.minus(id), shardsByStart.minus(old.start()), groups,
                decrement(shardCountByGroup, old.groupId()), version, nextShardId, nextGroupId);
    }

    public RoutingImage withGroup(ReplicaGroup group) {
        return new RoutingImage(shards, shardsByStart, groups.plus(group.id(), group), shardCountByGroup,
                version, nextShardId, nextGroupId);
    }

    public RoutingImage withoutGroup(long id) {
        return new RoutingImage(shards, shardsByStart, groups.minus(id), shardCountByGroup, version,
                nextShardId, nextGroupId);
    }

    /** The image with the version bumped by one. */
    public RoutingImage bumped() {
        return new RoutingImage(shards, shardsByStart, groups, shardCountByGroup, version + 1, nextShardId,
                nextGroupId);
    }

    public RoutingImage withNextShardId(long value) {
        return new RoutingImage(shards, shardsByStart, groups, shardCountByGroup, version, value, nextGroupId);
    }

    public RoutingImage withNextGroupId(long value) {
        return new RoutingImage(shards, shardsByStart, groups, shardCountByGroup, version, nextShardId, value);
    }

    private static TreePMap<Long, Integer> decrement(TreePMap<Long, Integer> counts, long groupId) {
        int count = counts.getOrDefault(groupId, 0);
        return count <= 1 ? counts.minus(groupId) : counts.plus(groupId, count - 1);
    }

    @Override
    public String toString() {
        return "RoutingImage{version=" + version + ", shards=" + shards.size() + ", groups=" + groups.size()
                + ", nextShardId=" + nextShardId + ", nextGroupId=" + nextGroupId + "}";
    }
}
