package io.meridian.core.placement;

import io.meridian.core.placement.PlanContext.Loaded;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.topology.DecommissionBlockers;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.TopologyChange;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decommissions: finishes those of DRAINING nodes that hold nothing any more, and drains the others
 * (their group leaderships handed to healthy members, their replicas moved to healthy nodes).
 * Limit: {@code repair-limit}.
 */
final class DecommissionChecker {

    private DecommissionChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.REPAIR_LIMIT));
        finish(ctx);
        drain(ctx);
    }

    private static void finish(PlanContext ctx) {
        for (Node node : ctx.image.topology().nodes().values()) {
            if (node.state() != NodeState.DRAINING || ctx.full()) {
                continue;
            }
            if (DecommissionBlockers.of(ctx.image, node.id()).isEmpty()) {
                boolean member = ctx.routing.groups().values().stream().anyMatch(g -> g.isMember(node.id()));
                ctx.add(Plan.Kind.FINISH_DECOMMISSION, MetadataEntry.newBuilder().setTopology(TopologyChange
                        .newBuilder().setFinishDecommission(FinishDecommission.newBuilder()
                                .setNodeId(node.id()))).build(),
                        "finish the decommission of " + node.id(), node.id() + " holds nothing any more", member);
            }
        }
    }

    private static void drain(PlanContext ctx) {
        for (Node node : ctx.image.topology().nodes().values()) {
            if (node.state() != NodeState.DRAINING) {
                continue;
            }
            for (Map.Entry<Long, List<Loaded>> entry : ctx.shardsByGroup.entrySet()) {
                Optional<ReplicaGroup> found = ctx.routing.group(entry.getKey());
                if (found.isEmpty() || !found.get().isMember(node.id())) {
                    continue;
                }
                ReplicaGroup group = found.get();
                if (group.leader().equals(node.id())) {
                    Optional<String> heir = ctx.leastLeading(group.members());
                    if (heir.isPresent() && !ctx.full() && ctx.leadsAllowed()) {
                        ctx.lead(group, heir.get(), node.id() + " is draining");
                    }
                }
                for (Loaded loaded : entry.getValue()) {
                    Shard shard = loaded.shard();
                    if (ctx.full()) {
                        ctx.reason("node " + node.id(), "draining; more moves in later ticks (" + ctx.fullBecause()
                                + ")");
                        return;
                    }
                    if (ctx.touched.contains(shard.id())) {
                        continue;
                    }
                    if (ctx.budgetSpent()) {
                        ctx.reason("node " + node.id(), "draining, but the move budget is spent: " + ctx.movesInWindow
                                + " moves started within the budget window");
                        return;
                    }
                    Optional<String> target = ctx.target(shard, group, node.id(), Long.MAX_VALUE, true, ctx.healthy);
                    if (target.isEmpty()) {
                        ctx.reason("shard " + shard.id(), "cannot leave draining " + node.id() + ": no healthy node "
                                + "outside group " + group.id() + " can take it now");
                        continue;
                    }
                    ctx.transfer(loaded, node.id(), target.get(), node.id() + " is draining", false);
                }
            }
        }
    }
}
