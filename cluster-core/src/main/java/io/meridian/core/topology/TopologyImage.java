package io.meridian.core.topology;

import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The nodes of the cluster, sorted by id, whether the cluster was bootstrapped, and the voter
 * policy.
 *
 * <p>Immutable and thread-safe.
 */
public record TopologyImage(TreePMap<String, Node> nodes, boolean bootstrapped, VoterPolicy voterPolicy) {

    public static final TopologyImage EMPTY = new TopologyImage(TreePMap.empty(), false, VoterPolicy.DEFAULT);

    public TopologyImage {
        Objects.requireNonNull(nodes, "nodes");
        Objects.requireNonNull(voterPolicy, "voterPolicy");
    }

    public Optional<Node> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    /** The node whose raft address this is, if any. */
    public Optional<Node> nodeWithRaftAddress(String raftAddress) {
        for (Node node : nodes.values()) {
            if (node.raftAddress().equals(raftAddress)) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    /** Voters that count towards the minimum: voters in JOINING or ACTIVE. */
    public int countedVoters() {
        int count = 0;
        for (Node node : nodes.values()) {
            if (node.isCountedVoter()) {
                count++;
            }
        }
        return count;
    }

    public boolean isActive(String id) {
        Node node = nodes.get(id);
        return node != null && node.state() == NodeState.ACTIVE;
    }

    public TopologyImage withNode(Node node) {
        return new TopologyImage(nodes.plus(node.id(), node), bootstrapped, voterPolicy);
    }

    public TopologyImage withoutNode(String id) {
        return new TopologyImage(nodes.minus(id), bootstrapped, voterPolicy);
    }

    public TopologyImage withBootstrapped(boolean value) {
        return new TopologyImage(nodes, value, voterPolicy);
    }

    public TopologyImage withVoterPolicy(VoterPolicy value) {
        return new TopologyImage(nodes, bootstrapped, value);
    }
}
