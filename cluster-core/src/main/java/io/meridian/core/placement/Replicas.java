package io.meridian.core.placement;

import io.meridian.core.MetadataImage;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.topology.NodeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Replica counts as the applied state has them: which members are lost (DOWN, DECOMMISSIONED or
 * gone from topology), each group's target, and the groups that are under-replicated,
 * over-replicated or without a leader that can serve, as {@code meridian routing check} lists them
 * and the repair checker acts on them.
 *
 * <p>Stateless and thread-safe.
 */
public final class Replicas {

    private Replicas() {
    }

    /** What is wrong with a group. */
    public enum Kind {
        UNDER_REPLICATED,
        OVER_REPLICATED,
        LEADERLESS
    }

    /** One problem of one group holding shards. */
    public record Problem(long groupId, Kind kind, int members, int live, int target, String leader, int shards,
            List<String> lost) {
        public Problem {
            Objects.requireNonNull(kind, "kind");
            lost = List.copyOf(lost);
        }
    }

    /** Whether a member's replica must be replaced: its node is DOWN, DECOMMISSIONED or gone. */
    public static boolean lost(MetadataImage image, String nodeId) {
        return image.topology().node(nodeId).map(node -> node.isDown() || node.state() == NodeState.DECOMMISSIONED)
                .orElse(true);
    }

    /** The replica count the group should have: its own target, else the scheduler's {@code replicas}. */
    public static int target(MetadataImage image, ReplicaGroup group) {
        return group.target((int) image.scheduler().value(SchedulerParameter.REPLICAS));
    }

    /** Members whose replica is not lost. */
    public static int live(MetadataImage image, ReplicaGroup group) {
        return (int) group.members().stream().filter(member -> !lost(image, member)).count();
    }

    /** The problems of the groups that hold shards, by group id. */
    public static List<Problem> problems(MetadataImage image) {
        List<Problem> out = new ArrayList<>();
        for (ReplicaGroup group : image.routing().groups().values()) {
            int shards = image.routing().shardCount(group.id());
            if (shards == 0) {
                continue;
            }
            int live = live(image, group);
            int target = target(image, group);
            List<String> lost = group.members().stream().filter(member -> lost(image, member)).toList();
            if (live < target) {
                out.add(new Problem(group.id(), Kind.UNDER_REPLICATED, group.members().size(), live, target,
                        group.leader(), shards, lost));
            } else if (group.members().size() > target) {
                out.add(new Problem(group.id(), Kind.OVER_REPLICATED, group.members().size(), live, target,
                        group.leader(), shards, lost));
            }
            if (!group.hasLeader() || lost(image, group.leader()) || !image.topology().isActive(group.leader())) {
                out.add(new Problem(group.id(), Kind.LEADERLESS, group.members().size(), live, target,
                        group.leader(), shards, lost));
            }
        }
        return out;
    }
}
