package io.meridian.node;

import java.time.Duration;
import java.util.Objects;

/**
 * The Raft settings that matter under load and on small machines. Defaults suit a noisy two-core
 * machine: elections wait 1-2 s (Ratis' own 150-300 ms makes leaders step down on a GC pause).
 *
 * <p>Immutable and thread-safe.
 *
 * @param electionTimeoutMin a follower waits at least this long without hearing from a leader
 *     before it stands for election; the leader steps down after {@code electionTimeoutMax}
 *     without a majority answering
 * @param electionTimeoutMax see {@code electionTimeoutMin}
 * @param requestTimeout how long one Raft client request waits for an answer before retrying
 * @param writeTimeout how long a write may take in all, retries included, before its outcome is
 *     reported unknown
 * @param snapshotThreshold a snapshot is taken every this many applied entries
 * @param snapshotsRetained how many snapshot files are kept on disk
 * @param logSegmentBytes the size at which a Raft log segment file is closed
 * @param watchRetention how many applied entries a node keeps for Watch streams to resume from
 * @param integrityCheckInterval how often a node compares the members' state digests at common
 *     checkpoint indexes (the corruption check)
 */
public record RaftTuning(
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        Duration requestTimeout,
        Duration writeTimeout,
        long snapshotThreshold,
        int snapshotsRetained,
        long logSegmentBytes,
        int watchRetention,
        Duration integrityCheckInterval) {

    public static final RaftTuning DEFAULT = new RaftTuning(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(15), 10_000, 2, 8L << 20, 100_000, Duration.ofSeconds(10));

    public RaftTuning {
        Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
        Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        if (electionTimeoutMin.isNegative() || electionTimeoutMin.isZero()
                || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
            throw new IllegalArgumentException("election timeouts must be positive with min < max, got "
                    + electionTimeoutMin.toMillis() + "ms-" + electionTimeoutMax.toMillis() + "ms");
        }
        if (requestTimeout.toMillis() < 100 || writeTimeout.compareTo(requestTimeout) < 0) {
            throw new IllegalArgumentException("request timeout must be at least 100ms and at most the write "
                    + "timeout, got " + requestTimeout.toMillis() + "ms and " + writeTimeout.toMillis() + "ms");
        }
        if (snapshotThreshold < 100) {
            throw new IllegalArgumentException("snapshot threshold must be at least 100 entries, got "
                    + snapshotThreshold);
        }
        if (snapshotsRetained < 1) {
            throw new IllegalArgumentException("at least one snapshot must be retained, got " + snapshotsRetained);
        }
        if (logSegmentBytes < (64 << 10)) {
            throw new IllegalArgumentException("log segments must be at least 64KiB, got " + logSegmentBytes);
        }
        if (watchRetention < 16) {
            throw new IllegalArgumentException("watch retention must be at least 16 entries, got " + watchRetention);
        }
        Objects.requireNonNull(integrityCheckInterval, "integrityCheckInterval");
        if (integrityCheckInterval.toMillis() < 100) {
            throw new IllegalArgumentException("the integrity check runs at most every 100ms, got "
                    + integrityCheckInterval.toMillis() + "ms");
        }
    }

    public RaftTuning withElectionTimeouts(Duration min, Duration max) {
        return new RaftTuning(min, max, requestTimeout, writeTimeout, snapshotThreshold, snapshotsRetained,
                logSegmentBytes, watchRetention, integrityCheckInterval);
    }

    public RaftTuning withSnapshotThreshold(long entries) {
        return new RaftTuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, writeTimeout, entries,
                snapshotsRetained, logSegmentBytes, watchRetention, integrityCheckInterval);
    }

    public RaftTuning withTimeouts(Duration request, Duration write) {
        return new RaftTuning(electionTimeoutMin, electionTimeoutMax, request, write, snapshotThreshold,
                snapshotsRetained, logSegmentBytes, watchRetention, integrityCheckInterval);
    }

    public RaftTuning withLogSegmentBytes(long bytes) {
        return new RaftTuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, writeTimeout,
                snapshotThreshold, snapshotsRetained, bytes, watchRetention, integrityCheckInterval);
    }

    public RaftTuning withIntegrityCheckInterval(Duration interval) {
        return new RaftTuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, writeTimeout,
                snapshotThreshold, snapshotsRetained, logSegmentBytes, watchRetention, interval);
    }

    public RaftTuning withWatchRetention(int entries) {
        return new RaftTuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, writeTimeout,
                snapshotThreshold, snapshotsRetained, logSegmentBytes, entries, integrityCheckInterval);
    }
}
