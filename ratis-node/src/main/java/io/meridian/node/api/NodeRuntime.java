package io.meridian.node.api;

import io.meridian.node.leader.LivenessMonitor;
import io.meridian.node.leader.LoadStore;
import io.meridian.node.leader.PlacementScheduler;
import io.meridian.node.raft.RaftGateway;
import io.meridian.node.statemachine.MetadataStateMachine;
import io.meridian.proto.Alarm;
import io.meridian.proto.MemberStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    /** Whether this replica is the metadata group's leader, ready to serve. */
    boolean isLeader();

    /** The placement scheduler, while this node leads and runs it; empty otherwise. */
    Optional<PlacementScheduler> placement();

    /** The load reports this node keeps (only the leader takes any). */
    LoadStore load();

    /** The liveness judgement (meaningful while this node leads). */
    LivenessMonitor liveness();

    /** The API address of the node that leads (this one included), when known. */
    Optional<String> leaderApiAddress();

    /**
     * A channel to the leader's API, when another node leads and its address is known. Calls on it
     * carry the current call's caller, so the leader judges the caller, not this node.
     */
    Optional<io.grpc.Channel> leaderChannel();

    /** Whether the cluster runs with mutual TLS (else every caller is an administrator). */
    boolean secure();

    /** The cluster CA, when this node was given its key: it signs joining nodes' certificates. */
    Optional<io.meridian.security.CertificateAuthority> certificateAuthority();

    /** The CORRUPT alarm about this node, when its state diverged from the majority's. */
    Optional<Alarm> corrupt();

    /** True once the node started shutting down. */
    boolean isClosing();
}
