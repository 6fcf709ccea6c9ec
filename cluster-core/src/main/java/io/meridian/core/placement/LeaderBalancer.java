package io.meridian.core.placement;

import io.meridian.core.routing.ReplicaGroup;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Moves group leaderships from the node leading the most shards to healthy members leading fewer,
 * while the leadership imbalance among the healthy, reporting nodes is above
 * {@code imbalance-threshold}; a move is only made when the receiver stays at or below the giver.
 * Limit: {@code leader-limit}.
 */
final class LeaderBalancer {

    private LeaderBalancer() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.LEADER_LIMIT));
        long threshold = ctx.config.imbalanceThresholdBps();
        if (Planner.imbalanceBps(ctx.leading, ctx.balanced.keySet()) > threshold && !ctx.leadsAllowed()) {
            return;
        }
        Set<Long> ledMoved = new TreeSet<>();
        while (!ctx.full()) {
            long imbalance = Planner.imbalanceBps(ctx.leading, ctx.balanced.keySet());
            if (imbalance <= threshold) {
                return;
            }
            String source = ReplicaBalancer.extreme(ctx.leading, ctx.balanced.keySet());
            ReplicaGroup chosen = null;
            String heir = null;
            for (ReplicaGroup group : ctx.routing.groups().values()) {
                int count = ctx.routing.shardCount(group.id());
                if (!group.leader().equals(source) || count == 0 || ledMoved.contains(group.id())
                        || ctx.led.contains(group.id())) {
                    continue;
                }
                for (String member : group.members()) {
                    if (!ctx.balanced.containsKey(member) || member.equals(source)) {
                        continue;
                    }
                    long gap = ctx.leading.get(source) - ctx.leading.get(member);
                    if (2L * count <= gap && (heir == null || ctx.leading.get(member) < ctx.leading.get(heir))) {
                        chosen = group;
                        heir = member;
                    }
                }
                if (chosen != null) {
                    break;
                }
            }
            if (chosen == null) {
                ctx.reason("node " + source, "leads " + ctx.leading.get(source) + " shards, the most, but none of its "
                        + "groups has a healthy member that could take the lead without reversing the imbalance");
                return;
            }
            ledMoved.add(chosen.id());
            ctx.lead(chosen, heir, String.format(Locale.ROOT, "leadership imbalance %s above the threshold %s",
                    PlanContext.percent(imbalance), PlanContext.percent(threshold)));
        }
    }
}
