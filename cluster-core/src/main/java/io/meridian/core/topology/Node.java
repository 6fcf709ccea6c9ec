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
        long stateChangedAtMs) {

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
                joinedAtMs, atMs);
    }

    public Node withRole(RaftRole next, long atMs) {
        return new Node(id, raftAddress, apiAddress, labels, state, next, requestedRole, softwareVersion,
                joinedAtMs, atMs);
    }

    public Node withAdvertisement(String api, TreePMap<String, String> newLabels, String version) {
        return new Node(id, raftAddress, api, newLabels, state, role, requestedRole, version, joinedAtMs,
                stateChangedAtMs);
    }
}
