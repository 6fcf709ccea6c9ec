package io.meridian.core.topology;

import io.meridian.proto.NodeStateProto;
import java.util.Optional;

/**
 * The lifecycle of a node: JOINING, ACTIVE, DRAINING, DECOMMISSIONED, then removed from topology
 * by LeaveCluster. {@link #canBecome} is the transition table; every change of state goes
 * through it.
 */
public enum NodeState {
    /** Admitted, catching up with the log; holds no data yet. */
    JOINING(NodeStateProto.NODE_STATE_JOINING),
    /** Caught up: may hold replicas, lead groups, be promoted, serve as an edge cache. */
    ACTIVE(NodeStateProto.NODE_STATE_ACTIVE),
    /** Being emptied before it leaves. */
    DRAINING(NodeStateProto.NODE_STATE_DRAINING),
    /** Empty and out of the Raft configuration; only LeaveCluster remains. */
    DECOMMISSIONED(NodeStateProto.NODE_STATE_DECOMMISSIONED);

    private final NodeStateProto proto;

    NodeState(NodeStateProto proto) {
        this.proto = proto;
    }

    /** The transition table. */
    public boolean canBecome(NodeState next) {
        return switch (this) {
            case JOINING -> next == ACTIVE || next == DRAINING;
            case ACTIVE -> next == DRAINING;
            case DRAINING -> next == DECOMMISSIONED;
            case DECOMMISSIONED -> false;
        };
    }

    /** Whether a node in this state counts as a member: it votes, if a voter, and negotiates. */
    public boolean isMember() {
        return this != DECOMMISSIONED;
    }

    public NodeStateProto toProto() {
        return proto;
    }

    public static Optional<NodeState> fromProto(NodeStateProto proto) {
        for (NodeState state : values()) {
            if (state.proto == proto) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
