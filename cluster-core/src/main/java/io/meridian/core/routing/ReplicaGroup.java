package io.meridian.core.routing;

import java.util.Objects;
import org.pcollections.TreePSet;

/**
 * A replica group: the nodes that each hold a replica of the group's shards, and the member that
 * leads them (the leaseholder). An empty leader means the group has none.
 *
 * <p>Immutable and thread-safe.
 *
 * @param targetReplicas how many members it should have; 0 follows the scheduler's {@code replicas}
 */
public record ReplicaGroup(long id, TreePSet<String> members, String leader, int targetReplicas) {

    /** The most replicas a group may be asked to have. */
    public static final int MAX_TARGET_REPLICAS = 7;

    public ReplicaGroup {
        Objects.requireNonNull(members, "members");
        Objects.requireNonNull(leader, "leader");
        if (targetReplicas < 0 || targetReplicas > MAX_TARGET_REPLICAS) {
            throw new IllegalArgumentException("group " + id + ": target replicas " + targetReplicas
                    + " outside 0-" + MAX_TARGET_REPLICAS);
        }
    }

    /** A group following the cluster's default replica count. */
    public ReplicaGroup(long id, TreePSet<String> members, String leader) {
        this(id, members, leader, 0);
    }

    /** The replica count it should have, given the cluster's default. */
    public int target(int clusterDefault) {
        return targetReplicas == 0 ? clusterDefault : targetReplicas;
    }

    public ReplicaGroup withTargetReplicas(int value) {
        return new ReplicaGroup(id, members, leader, value);
    }

    public boolean hasLeader() {
        return !leader.isEmpty();
    }

    public boolean isMember(String nodeId) {
        return members.contains(nodeId);
    }

    public ReplicaGroup withLeader(String nodeId) {
        return new ReplicaGroup(id, members, nodeId, targetReplicas);
    }

    /** The group without the member; if it led the group, the group has no leader. */
    public ReplicaGroup withoutMember(String nodeId) {
        return new ReplicaGroup(id, members.minus(nodeId), leader.equals(nodeId) ? "" : leader, targetReplicas);
    }
}
