package io.meridian.core.routing;

import java.util.Objects;

/**
 * A shard: the key range [start, end) held by one replica group. An empty end is the end of the
 * keyspace.
 *
 * <p>Immutable and thread-safe.
 *
 * @param epoch bumped by every split, merge, reassignment and move of the shard
 * @param lastMovedAtMs logical time of the shard's last completed move, zero if it never moved
 * @param lastMovedFrom the node its last move took a replica from, empty if it never moved
 */
public record Shard(
        long id, Key start, Key end, long groupId, long epoch, long lastMovedAtMs, String lastMovedFrom) {

    public Shard {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(lastMovedFrom, "lastMovedFrom");
    }

    /** Whether the key falls in [start, end). */
    public boolean contains(Key key) {
        return key.compareTo(start) >= 0 && (end.isEmpty() || key.compareTo(end) < 0);
    }

    /** Whether the key is a legal split point: strictly after start and strictly before end. */
    public boolean strictlyInside(Key key) {
        return key.compareTo(start) > 0 && (end.isEmpty() || key.compareTo(end) < 0);
    }

    public String range() {
        return "[" + start + ", " + (end.isEmpty() ? "end" : end.toString()) + ")";
    }

    public Shard withRange(Key newStart, Key newEnd) {
        return new Shard(id, newStart, newEnd, groupId, epoch + 1, lastMovedAtMs, lastMovedFrom);
    }

    public Shard withGroup(long newGroupId) {
        return new Shard(id, start, end, newGroupId, epoch + 1, lastMovedAtMs, lastMovedFrom);
    }

    public Shard movedTo(long newGroupId, String from, long atMs) {
        return new Shard(id, start, end, newGroupId, epoch + 1, atMs, from);
    }
}
