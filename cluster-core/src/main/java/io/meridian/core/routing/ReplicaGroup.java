package io.meridian.core.routing;

import java.util.Objects;
import org.pcollections.TreePSet;

/**
 * A replica group: the nodes that each hold a replica of the group's shards, and the member that
 * leads them (the leaseholder). An empty leader means the group has none.
 *
 * <p>Immutable and thread-safe.
 */
public record ReplicaGroup(long id, TreePSet<String> members, String leader) {

    public ReplicaGroup {
        Objects.requireNonNull(members, "members");
        Objects.requireNonNull(leader, "leader");
    }

    public boolean hasLeader() {
        return !leader.isEmpty();
    }

    public boolean isMember(String nodeId) {
        return members.contains(nodeId);
    }

    public ReplicaGroup withLeader(String nodeId) {
        return new ReplicaGroup(id, members, nodeId);
    }

    /** The group without the member; if it led the group, the group has no leader. */
    public ReplicaGroup withoutMember(String nodeId) {
        return new ReplicaGroup(id, members.minus(nodeId), leader.equals(nodeId) ? "" : leader);
    }
}
