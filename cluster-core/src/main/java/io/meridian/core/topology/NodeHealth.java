package io.meridian.core.topology;

import io.meridian.proto.NodeHealthProto;
import java.util.Optional;

/**
 * A node's liveness as recorded in the log: UP, or DOWN once the leader had not heard from it for
 * the scheduler's {@code down-after}. (SUSPECT is the leader's soft state and never recorded.)
 */
public enum NodeHealth {
    UP,
    DOWN;

    public NodeHealthProto toProto() {
        return this == DOWN ? NodeHealthProto.NODE_HEALTH_DOWN : NodeHealthProto.NODE_HEALTH_UNSPECIFIED;
    }

    /** The health a record holds (UNSPECIFIED is UP), or empty for an unknown value. */
    public static Optional<NodeHealth> fromRecord(NodeHealthProto proto) {
        return switch (proto) {
            case NODE_HEALTH_UNSPECIFIED, NODE_HEALTH_UP -> Optional.of(UP);
            case NODE_HEALTH_DOWN -> Optional.of(DOWN);
            case UNRECOGNIZED -> Optional.empty();
        };
    }

    /** The health an entry names: UP or DOWN exactly. */
    public static Optional<NodeHealth> fromEntry(NodeHealthProto proto) {
        return switch (proto) {
            case NODE_HEALTH_UP -> Optional.of(UP);
            case NODE_HEALTH_DOWN -> Optional.of(DOWN);
            case NODE_HEALTH_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
        };
    }
}
