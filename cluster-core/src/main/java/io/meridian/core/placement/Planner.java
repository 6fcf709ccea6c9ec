package io.meridian.core.placement;

import io.meridian.core.MetadataImage;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;

/**
 * The placement planner: from the applied state, the load the data nodes reported, the leader's
 * view of liveness and how long each migration has made no progress, what the scheduler proposes
 * this tick and why it leaves the rest. Pure and deterministic: the same inputs give the same plan;
 * ties go to the smaller id.
 *
 * <p>A set of checkers runs in priority order, as PD's {@code pkg/schedule} does, each in a file of
 * its own, each with its own limit of actions per tick within {@code max-actions-per-tick}, all
 * updating one model of the cluster ({@link PlanContext}) so that a later checker sees what an
 * earlier one decided:
 * <ol>
 *   <li>{@link StallChecker}: abort migrations without progress for {@code migration-stall-ticks};</li>
 *   <li>{@link RepairChecker}: replace the replicas of DOWN, decommissioned or vanished members,
 *       add replicas to groups below their target, abort repairs whose node came back;</li>
 *   <li>{@link DecommissionChecker}: finish drained decommissions, drain the others;</li>
 *   <li>{@link LeaderChecker}: give leaderless groups, and groups led by a node that cannot serve, a
 *       healthy leader;</li>
 *   <li>{@link SplitChecker}, {@link MergeChecker}: shards too big or hot, adjacent shards small
 *       and cold;</li>
 *   <li>{@link ReplicaBalancer}, {@link LeaderBalancer}: bytes (or replicas) and leaderships spread
 *       over the healthy nodes that report load.</li>
 * </ol>
 *
 * <p>Liveness: a node DOWN in topology, or SUSPECT in the leader's view, receives nothing and
 * leads nothing; only DOWN (recorded after {@code down-after}) loses its replicas, so a node that
 * comes back sooner costs leaderships at most, never a copy. A node without a recent load report is
 * left out of the balance, and says so, but holds up no other checker.
 *
 * <p>A worked example: five nodes in three zones, replication 3, n4 killed. For the first
 * {@code suspect-after} nothing happens. Then n4 is SUSPECT: the leader checker moves the
 * leaderships n4 held to healthy members of their groups, and the balancers leave n4 out. At
 * {@code down-after} the leader records n4 DOWN: the repair checker replaces n4's replica of each
 * shard of its groups, a few per tick ({@code repair-limit}, {@code max-moves-per-node}), by a
 * migration to the healthy node outside the group that hosts the least, in a zone the group does
 * not use yet; each cutover makes the shard's group n4-free. Had n4 come back between the two,
 * nothing would have moved but the leaderships.
 *
 * <p>Every action that changes routing is stamped with the routing version it will find: the
 * version the plan started from plus the changes of the actions before it. One action per shard.
 *
 * <p>Stateless and thread-safe.
 */
public final class Planner {

    /** Reasons beyond this many are summarised in one. */
    public static final int MAX_REASONS = PlanContext.MAX_REASONS;

    private Planner() {
    }

    /** The plan for one tick with every node UP in the leader's view. */
    public static Plan plan(MetadataImage image, LoadView load, Map<Long, Integer> stallTicks, long nowMs) {
        return plan(image, load, Liveness.ALL_UP, stallTicks, nowMs);
    }

    /**
     * The plan for one tick.
     *
     * @param liveness the nodes the leader has not heard from for {@code suspect-after}
     * @param stallTicks for each migration in flight, how many ticks it made no progress
     * @param nowMs the leader's clock: cooldowns, budget windows and report ages count from it
     */
    public static Plan plan(MetadataImage image, LoadView load, Liveness liveness, Map<Long, Integer> stallTicks,
            long nowMs) {
        PlanContext ctx = new PlanContext(image, load, liveness, stallTicks, nowMs);
        StallChecker.run(ctx);
        RepairChecker.run(ctx);
        DecommissionChecker.run(ctx);
        LeaderChecker.run(ctx);
        explainUnbalanced(ctx);
        SplitChecker.run(ctx);
        MergeChecker.run(ctx);
        ReplicaBalancer.run(ctx);
        LeaderBalancer.run(ctx);
        return new Plan(ctx.routing.version(), ctx.bytes ? "bytes" : "replicas", ctx.measuredImbalanceBps,
                ctx.actions(), ctx.reasons());
    }

    /** Says which healthy nodes the balancers leave out for want of a recent load report. */
    private static void explainUnbalanced(PlanContext ctx) {
        TreeSet<String> silent = new TreeSet<>(ctx.healthy.keySet());
        silent.removeAll(ctx.balanced.keySet());
        if (!silent.isEmpty()) {
            ctx.reason("load", "no recent load report from " + String.join(", ", silent) + ", which hold replicas; "
                    + "left out of the balance until they report (repairs, splits and merges go on)");
        }
    }

    /** (max - min) / mean of the values of these nodes, in basis points; 0 with no load. */
    static long imbalanceBps(Map<String, Long> values, Collection<String> nodes) {
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        long sum = 0;
        int count = 0;
        for (String node : nodes) {
            long value = values.getOrDefault(node, 0L);
            max = Math.max(max, value);
            min = Math.min(min, value);
            sum += value;
            count++;
        }
        if (count < 2 || sum <= 0) {
            return 0;
        }
        return (long) ((max - min) * 10_000.0 * count / sum);
    }

    static String percent(long bps) {
        return PlanContext.percent(bps);
    }
}
