package io.meridian.core;

/**
 * Where an image comes from: the Raft term and index of the last entry it reflects, and the
 * cluster's logical time after that entry (the maximum of every leader-stamped time so far).
 *
 * <p>Immutable and thread-safe.
 */
public record Provenance(long term, long index, long logicalTimeMs) {

    /** The provenance of an image that reflects no entry at all. */
    public static final Provenance INITIAL = new Provenance(0, 0, 0);

    public Provenance {
        if (term < 0 || index < 0 || logicalTimeMs < 0) {
            throw new IllegalArgumentException(
                    "provenance must not be negative: term=" + term + " index=" + index
                            + " logicalTimeMs=" + logicalTimeMs);
        }
    }
}
