package io.meridian.core.placement;

import io.meridian.core.placement.PlanContext.Loaded;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Moves replicas from the node hosting the most to the one hosting the least while the imbalance
 * among the healthy, reporting nodes is above {@code imbalance-threshold}. A move is only made when
 * the receiver stays at or below the giver, and not of a shard in its cooldown or of a group being
 * repaired. Limit: {@code balance-limit} (and {@code move-budget} per {@code budget-window}).
 */
final class ReplicaBalancer {

    private ReplicaBalancer() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.BALANCE_LIMIT));
        long threshold = ctx.config.imbalanceThresholdBps();
        String unit = ctx.bytes ? " B" : " replicas";
        if (ctx.balanced.size() < 2) {
            ctx.reason("cluster", "no balancing: the load of " + ctx.balanced.size() + " healthy node(s) is known, "
                    + "it takes 2");
            return;
        }
        boolean moved = false;
        while (!ctx.full()) {
            long imbalance = Planner.imbalanceBps(ctx.hosted, ctx.balanced.keySet());
            if (imbalance <= threshold) {
                if (!moved) {
                    ctx.reason("cluster", String.format(Locale.ROOT, "balanced: %s imbalance %s is within the "
                            + "threshold %s", ctx.bytes ? "byte" : "replica", PlanContext.percent(imbalance),
                            PlanContext.percent(threshold)));
                }
                return;
            }
            if (ctx.budgetSpent()) {
                ctx.reason("cluster", "imbalance " + PlanContext.percent(imbalance) + " above the threshold, but the "
                        + "move budget is spent: " + ctx.movesInWindow + " moves started within the budget window");
                return;
            }
            String source = extreme(ctx.hosted, ctx.balanced.keySet());
            if (!ctx.hasMoveRoom(source, false)) {
                ctx.reason("node " + source, "hosts the most, but already has max-moves-per-node ("
                        + ctx.config.value(SchedulerParameter.MAX_MOVES_PER_NODE) + ") moves in flight");
                return;
            }
            Optional<Candidate> best = bestMove(ctx, source);
            if (best.isEmpty()) {
                ctx.reason("node " + source, "hosts " + ctx.hosted.get(source) + unit + ", the most, but no shard "
                        + "can move: " + whyNothingMoves(ctx, source));
                return;
            }
            ctx.transfer(best.get().shard(), source, best.get().target(), String.format(Locale.ROOT,
                    "%s imbalance %s above the threshold %s", ctx.bytes ? "byte" : "replica",
                    PlanContext.percent(imbalance), PlanContext.percent(threshold)), false);
            moved = true;
        }
    }

    private record Candidate(Loaded shard, String target, long weight) {
    }

    /** Of these nodes, the one with the highest value; ties to the smaller id. */
    static String extreme(Map<String, Long> values, Collection<String> nodes) {
        String best = null;
        for (String node : nodes) {
            if (best == null || values.getOrDefault(node, 0L) > values.getOrDefault(best, 0L)) {
                best = node;
            }
        }
        return best;
    }

    /** Whether the group's shards may move for balance: none of its members is lost. */
    private static boolean movable(PlanContext ctx, ReplicaGroup group) {
        return group.members().stream().noneMatch(ctx::lost);
    }

    /** The shard on the source whose move to the least loaded eligible node helps the most. */
    private static Optional<Candidate> bestMove(PlanContext ctx, String source) {
        Candidate best = null;
        for (Map.Entry<Long, List<Loaded>> entry : ctx.shardsByGroup.entrySet()) {
            Optional<ReplicaGroup> found = ctx.routing.group(entry.getKey());
            if (found.isEmpty() || !found.get().isMember(source) || !movable(ctx, found.get())) {
                continue;
            }
            ReplicaGroup group = found.get();
            // A shard that gets this far is not cooling down, so its target depends on the group
            // alone: one search per group, not one per shard.
            Optional<String> target = null;
            for (Loaded loaded : entry.getValue()) {
                Shard shard = loaded.shard();
                if (ctx.touched.contains(shard.id()) || ctx.coolingDown(shard)) {
                    continue;
                }
                long w = ctx.weight(loaded);
                if (target == null) {
                    target = ctx.target(shard, group, source, ctx.hosted.get(source), false, ctx.balanced);
                }
                if (target.isEmpty() || w <= 0) {
                    continue;
                }
                long gap = ctx.hosted.get(source) - ctx.hosted.get(target.get());
                // Hysteresis: the receiving node must stay at or below the giving one.
                if (2 * w > gap) {
                    continue;
                }
                if (best == null || w > best.weight()
                        || w == best.weight() && shard.id() < best.shard().shard().id()) {
                    best = new Candidate(loaded, target.get(), w);
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static String whyNothingMoves(PlanContext ctx, String source) {
        int held = 0;
        int cooling = 0;
        int moving = 0;
        int noTarget = 0;
        int repairing = 0;
        for (Map.Entry<Long, List<Loaded>> entry : ctx.shardsByGroup.entrySet()) {
            Optional<ReplicaGroup> found = ctx.routing.group(entry.getKey());
            if (found.isEmpty() || !found.get().isMember(source)) {
                continue;
            }
            ReplicaGroup group = found.get();
            for (Loaded loaded : entry.getValue()) {
                Shard shard = loaded.shard();
                held++;
                if (ctx.touched.contains(shard.id())) {
                    moving++;
                } else if (!movable(ctx, group)) {
                    repairing++;
                } else if (ctx.coolingDown(shard)) {
                    cooling++;
                } else if (ctx.target(shard, group, source, ctx.hosted.get(source), false, ctx.balanced).isEmpty()) {
                    noTarget++;
                }
            }
        }
        if (held == 0) {
            return "it holds no shard";
        }
        return String.format(Locale.ROOT, "of its %d shards %d are moving, %d in cooldown, %d have no eligible "
                + "target (zone, membership or max-moves-per-node), %d wait for a repair, the rest are too big to "
                + "move without reversing the imbalance", held, moving, cooling, noTarget, repairing);
    }
}
