package io.meridian.core.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * Every migration in flight and the most recent finished ones, by id, with an index of the
 * migration in flight per shard (at most one; derived, rebuilt on snapshot load).
 *
 * <p>Finished migrations are history: only the {@value #RETAINED_FINISHED} most recent are kept,
 * the oldest dropped first, so the state does not grow with every move ever made. Immutable and
 * thread-safe.
 *
 * @param nextMigrationId the id the next migration gets
 */
public record MigrationsImage(
        TreePMap<Long, Migration> all, TreePMap<Long, Long> activeByShard, long nextMigrationId) {

    /** How many finished (completed or aborted) migrations are kept. */
    public static final int RETAINED_FINISHED = 1000;

    public static final MigrationsImage EMPTY = new MigrationsImage(TreePMap.empty(), TreePMap.empty(), 1);

    public MigrationsImage {
        Objects.requireNonNull(all, "all");
        Objects.requireNonNull(activeByShard, "activeByShard");
    }

    /** A migrations image from its stored parts, with the per-shard index rebuilt. */
    public static MigrationsImage of(TreePMap<Long, Migration> all, long nextMigrationId) {
        java.util.TreeMap<Long, Long> active = new java.util.TreeMap<>();
        for (Migration migration : all.values()) {
            if (!migration.phase().isTerminal()) {
                active.put(migration.shardId(), migration.id());
            }
        }
        return new MigrationsImage(all, TreePMap.fromSortedMap(active), nextMigrationId);
    }

    public Optional<Migration> migration(long id) {
        return Optional.ofNullable(all.get(id));
    }

    /** The migration in flight for the shard, if any. */
    public Optional<Migration> activeFor(long shardId) {
        Long id = activeByShard.get(shardId);
        return id == null ? Optional.empty() : Optional.of(all.get(id));
    }

    /** The migrations in flight that move a replica from or to the node, by id. */
    public List<Migration> activeInvolving(String nodeId) {
        List<Migration> out = new ArrayList<>();
        for (Long id : activeByShard.values()) {
            Migration migration = all.get(id);
            if (migration.involves(nodeId)) {
                out.add(migration);
            }
        }
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    /** Puts a migration, keeping the per-shard index in step and trimming finished history. */
    public MigrationsImage with(Migration migration) {
        TreePMap<Long, Migration> nextAll = all.plus(migration.id(), migration);
        TreePMap<Long, Long> active = activeByShard;
        if (migration.phase().isTerminal()) {
            Long current = active.get(migration.shardId());
            if (current != null && current == migration.id()) {
                active = active.minus(migration.shardId());
            }
            nextAll = trimmed(nextAll, active.size());
        } else {
            active = active.plus(migration.shardId(), migration.id());
        }
        return new MigrationsImage(nextAll, active, nextMigrationId);
    }

    public MigrationsImage withNextMigrationId(long value) {
        return new MigrationsImage(all, activeByShard, value);
    }

    private static TreePMap<Long, Migration> trimmed(TreePMap<Long, Migration> all, int activeCount) {
        TreePMap<Long, Migration> out = all;
        int finished = out.size() - activeCount;
        while (finished > RETAINED_FINISHED) {
            for (Map.Entry<Long, Migration> entry : out.entrySet()) {
                if (entry.getValue().phase().isTerminal()) {
                    out = out.minus(entry.getKey());
                    break;
                }
            }
            finished--;
        }
        return out;
    }
}
