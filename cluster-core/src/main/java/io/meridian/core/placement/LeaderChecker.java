package io.meridian.core.placement;

import io.meridian.core.routing.ReplicaGroup;
import java.util.Optional;

/**
 * Leader repair: a group that holds shards and has no leader, or a leader that cannot serve (DOWN,
 * SUSPECT, not ACTIVE), gets its healthy member that leads the least as leader. Limit:
 * {@code leader-limit}.
 */
final class LeaderChecker {

    private LeaderChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.LEADER_LIMIT));
        for (Long groupId : ctx.shardsByGroup.keySet()) {
            Optional<ReplicaGroup> found = ctx.routing.group(groupId);
            if (found.isEmpty() || ctx.led.contains(groupId)) {
                continue;
            }
            ReplicaGroup group = found.get();
            Optional<String> problem = group.hasLeader() ? ctx.unhealth(group.leader())
                    : Optional.of("group " + group.id() + " has no leader");
            if (problem.isEmpty()) {
                continue;
            }
            if (!ctx.leadsAllowed()) {
                return;
            }
            Optional<String> heir = ctx.leastLeading(group.members().minus(group.leader()));
            if (heir.isEmpty()) {
                ctx.reason("group " + group.id(), problem.get() + "; no healthy member can lead it");
                continue;
            }
            if (ctx.full()) {
                ctx.reason("group " + group.id(), problem.get() + "; a new leader in a later tick ("
                        + ctx.fullBecause() + ")");
                continue;
            }
            ctx.lead(group, heir.get(), problem.get());
        }
    }
}
