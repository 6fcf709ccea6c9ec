package io.meridian.node.api;

import io.meridian.node.raft.RaftGateway;
import io.meridian.node.statemachine.MetadataStateMachine;
import io.meridian.proto.MemberStatus;
import java.time.Duration;
import java.util.List;

/** What the API needs of the node it runs in. */
public interface NodeRuntime {

    String nodeId();

    MetadataStateMachine stateMachine();

    RaftGateway gateway();

    /** This node's own status. */
    MemberStatus localStatus();

    /** The status of every other member, each asked within the deadline (unreachable ones say so). */
    List<MemberStatus> otherMembers(Duration deadline);

    /** Writes a snapshot of this node's state now; returns the index it covers. */
    long takeSnapshot() throws java.io.IOException;

    /** Hands leadership to another voter; returns the previous leader's id. */
    String transferLeadership(String to) throws java.io.IOException;

    /** True once the node started shutting down. */
    boolean isClosing();
}
