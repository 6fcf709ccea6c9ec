package io.meridian.core.placement;

import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.placement.PlanContext.Loaded;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.RoutingChange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Repair, first after the stalled migrations: keeps every group that holds shards at its target
 * replica count on nodes that are there. A member whose node is DOWN, DECOMMISSIONED or gone has
 * its replica of each shard replaced, by a migration to a healthy node outside the group (zone
 * aware; the data plane copies from a live member); a group with fewer members than its target
 * gets replicas added. The groups with the fewest live members go first. Repairs are exempt from
 * the move budget (they are not balancing) but keep to {@code max-moves-per-node}.
 *
 * <p>A repair under way whose node came back before its cutover is aborted (nothing more is
 * copied); one past its cutover finishes (aborting would copy the data back). Either way the
 * reason is said. A move whose destination is lost before its cutover is aborted. Limit:
 * {@code repair-limit}.
 */
final class RepairChecker {

    private RepairChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.REPAIR_LIMIT));
        List<ReplicaGroup> needy = needy(ctx);
        if (!ctx.repairsAllowed()) {
            if (!needy.isEmpty()) {
                ctx.reason("repair", needy.size() + " group(s) need a repair, which needs meridian.entry-format 5");
            }
            return;
        }
        returns(ctx);
        for (ReplicaGroup group : needy) {
            if (!repair(ctx, group)) {
                return;
            }
        }
    }

    /**
     * Moves under way that can no longer end well: one whose destination is lost before its cutover
     * (nothing can copy to it) is aborted; so is a repair whose replaced node is healthy again.
     */
    private static void returns(PlanContext ctx) {
        for (Long id : ctx.image.migrations().activeByShard().values()) {
            Migration migration = ctx.image.migrations().migration(id).orElseThrow();
            if (ctx.aborted.contains(id)) {
                continue;
            }
            if (ctx.lost(migration.toNode()) && migration.phase().ordinal() < MigrationPhase.CUTOVER.ordinal()) {
                if (ctx.full()) {
                    ctx.reason("migration " + migration.id(), "its destination " + migration.toNode() + " is lost; "
                            + "aborted in a later tick");
                    continue;
                }
                String why = "the destination " + ctx.unhealth(migration.toNode())
                        .orElse(migration.toNode() + " is lost") + "; nothing can copy to it";
                StallChecker.abort(ctx, migration, why, why);
                continue;
            }
            if (!migration.repair() || migration.fromNode().isEmpty() || !ctx.isHealthy(migration.fromNode())) {
                continue;
            }
            if (migration.phase().ordinal() >= MigrationPhase.CUTOVER.ordinal()) {
                ctx.reason("migration " + migration.id(), migration.fromNode() + " came back after the repair of shard "
                        + migration.shardId() + " cut over; it finishes (aborting would copy the data back)");
                continue;
            }
            if (ctx.full()) {
                ctx.reason("migration " + migration.id(), migration.fromNode() + " came back; the repair is aborted "
                        + "in a later tick");
                continue;
            }
            String why = migration.fromNode() + " came back before the repair cut over; aborting it copies nothing "
                    + "more";
            StallChecker.abort(ctx, migration, why, why);
        }
    }

    /** Groups holding shards with a lost member or fewer members than their target, most at risk first. */
    private static List<ReplicaGroup> needy(PlanContext ctx) {
        List<ReplicaGroup> out = new ArrayList<>();
        for (Long groupId : ctx.shardsByGroup.keySet()) {
            Optional<ReplicaGroup> group = ctx.routing.group(groupId);
            if (group.isPresent() && (live(ctx, group.get()) < group.get().members().size()
                    || group.get().members().size() < ctx.target(group.get()))) {
                out.add(group.get());
            }
        }
        out.sort(Comparator.comparingInt((ReplicaGroup g) -> live(ctx, g)).thenComparingLong(ReplicaGroup::id));
        return out;
    }

    static int live(PlanContext ctx, ReplicaGroup group) {
        return Replicas.live(ctx.image, group);
    }

    /** Repairs the group's shards; false when the checker's budget is spent. */
    private static boolean repair(PlanContext ctx, ReplicaGroup group) {
        Optional<String> lost = group.members().stream().filter(ctx::lost).findFirst();
        int target = ctx.target(group);
        if (lost.isPresent() && live(ctx, group) >= target) {
            // Enough replicas live without it: the lost member only has to go.
            if (ctx.full()) {
                ctx.reason("group " + group.id(), "member " + lost.get() + " is lost; removed in a later tick");
                return false;
            }
            ctx.add(Plan.Kind.REMOVE_MEMBER, MetadataEntry.newBuilder().setRouting(RoutingChange.newBuilder()
                    .setRemoveMember(RemoveGroupMember.newBuilder().setGroupId(group.id())
                            .setNodeId(lost.get()))).build(),
                    "remove lost member " + lost.get() + " from group " + group.id(), ctx.unhealth(lost.get())
                            .orElse(lost.get()) + "; the group keeps " + live(ctx, group) + " live of " + target
                            + " replicas without it", true);
            // Its shards take no other move this tick: one planned from the removed member would fail.
            for (Loaded loaded : ctx.shardsByGroup.get(group.id())) {
                ctx.touched.add(loaded.shard().id());
            }
            return true;
        }
        String why = lost.map(node -> "the replica on " + node + " is lost (" + ctx.unhealth(node).orElse(node)
                + "); group " + group.id() + " has " + live(ctx, group) + " live of " + target + " replicas")
                .orElse("group " + group.id() + " has " + group.members().size() + " of " + target + " replicas");
        for (Loaded loaded : ctx.shardsByGroup.get(group.id())) {
            Shard shard = loaded.shard();
            if (ctx.touched.contains(shard.id())) {
                continue;
            }
            if (ctx.full()) {
                ctx.reason("group " + group.id(), why + "; more repairs in later ticks (" + ctx.fullBecause() + ")");
                return false;
            }
            String from = lost.orElse("");
            Optional<String> to = ctx.target(shard, group, from, Long.MAX_VALUE, true, ctx.healthy);
            if (to.isEmpty()) {
                ctx.reason("group " + group.id(), why + "; no healthy node outside the group has room for a replica "
                        + "now (max-moves-per-node " + ctx.config.value(SchedulerParameter.MAX_MOVES_PER_NODE) + ")");
                return true;
            }
            ctx.transfer(loaded, from, to.get(), why, true);
        }
        return true;
    }
}
