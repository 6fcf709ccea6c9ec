package io.meridian.core.ghost;

/**
 * Per source shard: how many of its stubs were purged in all, how many sweeps ran and when the
 * last one did (logical time).
 *
 * <p>Immutable and thread-safe.
 */
public record GhostTableStats(long sourceShard, long purgedTotal, long lastSweepMs, long sweeps) {

    public static GhostTableStats empty(long sourceShard) {
        return new GhostTableStats(sourceShard, 0, 0, 0);
    }

    public GhostTableStats purged(long count) {
        return new GhostTableStats(sourceShard, purgedTotal + count, lastSweepMs, sweeps);
    }

    public GhostTableStats swept(long atMs) {
        return new GhostTableStats(sourceShard, purgedTotal, atMs, sweeps + 1);
    }
}
