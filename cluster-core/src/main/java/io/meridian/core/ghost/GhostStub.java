package io.meridian.core.ghost;

import java.util.Objects;

/**
 * A forwarding stub left on a source shard after an entity moved to a target shard. A lookup that
 * meets the entity on the source is sent on to the target (scatter-gather). The refcount counts
 * the source's local edges that still point at the entity; at zero the stub is purged.
 *
 * <p>Immutable and thread-safe.
 *
 * @param refcount an unsigned 32-bit count
 * @param createdAtMs logical time the stub was inserted
 */
public record GhostStub(long sourceShard, String entityId, long targetShard, long refcount, long createdAtMs) {

    public static final long MAX_REFCOUNT = 0xFFFF_FFFFL;

    public GhostStub {
        Objects.requireNonNull(entityId, "entityId");
        if (refcount < 0 || refcount > MAX_REFCOUNT) {
            throw new IllegalArgumentException("refcount out of range: " + refcount);
        }
    }

    public GhostKey key() {
        return new GhostKey(sourceShard, entityId);
    }

    /** The stub with its refcount raised by {@code by}, saturating at 2^32-1. */
    public GhostStub incremented(long by) {
        return new GhostStub(sourceShard, entityId, targetShard, Math.min(MAX_REFCOUNT, refcount + by),
                createdAtMs);
    }

    /** The stub with its refcount lowered by {@code by}, floored at zero. */
    public GhostStub decremented(long by) {
        return new GhostStub(sourceShard, entityId, targetShard, Math.max(0, refcount - by), createdAtMs);
    }
}
