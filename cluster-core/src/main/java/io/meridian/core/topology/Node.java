package io.meridian.core.topology;

import java.util.Objects;
import org.pcollections.TreePMap;

/**
 * A node of the cluster as topology knows it. Its id is its Ratis peer id.
 *
 * <p>Immutable and thread-safe.
 *
 * @param apiAddress empty until the node advertises it
 * @param requestedRole the role the node was admitted for; only VOTER nodes are promoted
 * @param joinedAtMs logical time it joined
 * @param stateChangedAtMs logical time of its last change of state or role
 * @param health UP, or DOWN as the leader recorded it
 * @param healthChangedAtMs logical time its health was last recorded (0: never)
 * @param lastSeenMs when the leader last heard from it, as of that record (the leader's clock; 0: never recorded)
 */
public record Node(
        String id,
        String raftAddress,
        String apiAddress,
        TreePMap<String, String> labels,
        NodeState state,
        RaftRole role,
        RaftRole requestedRole,
        String softwareVersion,
        long joinedAtMs,
        long stateChangedAtMs,
        NodeHealth health,
        long healthChangedAtMs,
        long lastSeenMs) {

    /** Label key of a node's availability zone. */
    public static final String ZONE = "zone";
    /** Label key of a node's geography. */
    public static final String GEO = "geo";

    public Node {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(raftAddress, "raftAddress");
        Objects.requireNonNull(apiAddress, "apiAddress");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(requestedRole, "requestedRole");
        Objects.requireNonNull(softwareVersion, "softwareVersion");
        Objects.requireNonNull(health, "health");
    }

    /** A node as it joins or is bootstrapped: UP, never judged. */
    public static Node joined(String id, String raftAddress, String apiAddress, TreePMap<String, String> labels,
            NodeState state, RaftRole role, RaftRole requestedRole, long atMs) {
        return new Node(id, raftAddress, apiAddress, labels, state, role, requestedRole, "", atMs, atMs,
                NodeHealth.UP, 0, 0);
    }

    public boolean isDown() {
        return health == NodeHealth.DOWN;
    }

    /** The zone label, or empty. */
    public String zone() {
        return labels.getOrDefault(ZONE, "");
    }

    /** The geo label, or empty. */
    public String geo() {
        return labels.getOrDefault(GEO, "");
    }

    public boolean isVoter() {
        return role == RaftRole.VOTER;
    }

    /** A voter that counts towards the voter minimum: a voter not being decommissioned. */
    public boolean isCountedVoter() {
        return isVoter() && (state == NodeState.JOINING || state == NodeState.ACTIVE);
    }

    public Node withState(NodeState next, long atMs) {
        return new Node(id, raftAddress, apiAddress, labels, next, role, requestedRole, softwareVersion,
                joinedAtMs, atMs, health, healthChangedAtMs, lastSeenMs);
    }

    public Node withRole(RaftRole next, long atMs) {
        return new Node(id, raftAddress, apiAddress, labels, state, next, requestedRole, softwareVersion,
                joinedAtMs, atMs, health, healthChangedAtMs, lastSeenMs);
    }

    public Node withAdvertisement(String api, TreePMap<String, String> newLabels, String version) {
        return new Node(id, raftAddress, api, newLabels, state, role, requestedRole, version, joinedAtMs,
                stateChangedAtMs, health, healthChangedAtMs, lastSeenMs);
    }

    public Node withHealth(NodeHealth next, long atMs, long seenMs) {
        return new Node(id, raftAddress, apiAddress, labels, state, role, requestedRole, softwareVersion, joinedAtMs,
                stateChangedAtMs, next, atMs, seenMs);
    }
}
