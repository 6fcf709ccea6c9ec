package io.meridian.core.migration;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One move of a shard replica from a node to another, with its last verified checkpoint.
 *
 * <p>Immutable and thread-safe.
 *
 * @param attempt only grows: a resumed copy is a new attempt in the same phase
 * @param lastCrc32c the CRC32C of {@code lastPayload}, an unsigned 32-bit value
 * @param checkpoints how many checkpoints were recorded
 * @param plannedRoutingVersion the routing version the transfer was planned against (0: unchecked)
 * @param targetGroupId the group the shard moved to at cutover; zero before
 * @param repair whether it replaces the replica of a DOWN or leaving node
 */
public record Migration(
        long id,
        long shardId,
        String fromNode,
        String toNode,
        MigrationPhase phase,
        long attempt,
        ByteString lastPayload,
        int lastCrc32c,
        long checkpoints,
        long startedAtMs,
        long updatedAtMs,
        String abortReason,
        long plannedRoutingVersion,
        String reason,
        long targetGroupId,
        boolean repair) {

    public Migration {
        Objects.requireNonNull(fromNode, "fromNode");
        Objects.requireNonNull(toNode, "toNode");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(lastPayload, "lastPayload");
        Objects.requireNonNull(abortReason, "abortReason");
        Objects.requireNonNull(reason, "reason");
    }

    /** A new migration in phase PLANNED. */
    public static Migration planned(
            long id, long shardId, String from, String to, long atMs, long plannedVersion, String reason,
            boolean repair) {
        return new Migration(id, shardId, from, to, MigrationPhase.PLANNED, 0, ByteString.EMPTY, 0, 0, atMs,
                atMs, "", plannedVersion, reason, 0, repair);
    }

    public boolean involves(String nodeId) {
        return fromNode.equals(nodeId) || toNode.equals(nodeId);
    }

    public Migration checkpointed(MigrationPhase next, long newAttempt, ByteString payload, int crc, long atMs) {
        return new Migration(id, shardId, fromNode, toNode, next, newAttempt, payload, crc, checkpoints + 1,
                startedAtMs, atMs, abortReason, plannedRoutingVersion, reason, targetGroupId, repair);
    }

    public Migration cutOverTo(long groupId) {
        return new Migration(id, shardId, fromNode, toNode, phase, attempt, lastPayload, lastCrc32c,
                checkpoints, startedAtMs, updatedAtMs, abortReason, plannedRoutingVersion, reason, groupId, repair);
    }

    public Migration aborted(String why, long atMs) {
        return new Migration(id, shardId, fromNode, toNode, MigrationPhase.ABORTED, attempt, lastPayload,
                lastCrc32c, checkpoints, startedAtMs, atMs, why, plannedRoutingVersion, reason, targetGroupId, repair);
    }
}
