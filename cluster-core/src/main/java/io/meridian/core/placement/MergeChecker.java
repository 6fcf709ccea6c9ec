package io.meridian.core.placement;

import io.meridian.core.placement.PlanContext.Loaded;
import io.meridian.core.routing.Shard;
import io.meridian.proto.MergeShards;
import io.meridian.proto.MetadataEntry;
import java.util.Arrays;

/**
 * Merges adjacent shards of one group that are small and cold together (below {@code merge-size}
 * and {@code merge-qps}), both reported since they last changed. Limit: {@code merge-limit}.
 */
final class MergeChecker {

    private MergeChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.MERGE_LIMIT));
        long mergeSize = ctx.config.value(SchedulerParameter.MERGE_SIZE);
        long mergeQps = ctx.config.value(SchedulerParameter.MERGE_QPS);
        int[] rightOf = rightNeighbours(ctx);
        for (int i = 0; i < ctx.shards.length; i++) {
            if (ctx.full()) {
                return;
            }
            if (rightOf[i] < 0) {
                continue;
            }
            Loaded leftLoad = ctx.shards[i];
            Loaded rightLoad = ctx.shards[rightOf[i]];
            Shard left = leftLoad.shard();
            Shard right = rightLoad.shard();
            if (left.groupId() != right.groupId() || ctx.touched.contains(left.id())
                    || ctx.touched.contains(right.id()) || leftLoad.report() == null || rightLoad.report() == null
                    || leftLoad.estimated() || rightLoad.estimated()) {
                continue;
            }
            long size = leftLoad.size() + rightLoad.size();
            long qps = leftLoad.qps() + rightLoad.qps();
            if (size >= mergeSize || qps >= mergeQps) {
                continue;
            }
            String why = "together " + size + " B and " + qps + " qps, below merge-size " + mergeSize
                    + " B and merge-qps " + mergeQps;
            ctx.touched.add(left.id());
            ctx.touched.add(right.id());
            ctx.add(Plan.Kind.MERGE, MetadataEntry.newBuilder().setPlacement(ctx.command(why).setMerge(
                    MergeShards.newBuilder().setLeftShardId(left.id()).setRightShardId(right.id()))).build(),
                    "merge shards " + left.id() + " and " + right.id(), why, true);
        }
    }

    /**
     * For each shard (by position in the run's shards) the position of the shard that starts where
     * it ends, -1 if none: for all shards in one walk in key order instead of two tree lookups each.
     */
    private static int[] rightNeighbours(PlanContext ctx) {
        int[] rightOf = new int[ctx.shards.length];
        Arrays.fill(rightOf, -1);
        Shard previous = null;
        int previousAt = -1;
        for (Long id : ctx.routing.shardsByStart().values()) {
            int at = ctx.position(id);
            Shard shard = ctx.shards[at].shard();
            if (previous != null && !previous.end().isEmpty() && previous.end().equals(shard.start())) {
                rightOf[previousAt] = at;
            }
            previous = shard;
            previousAt = at;
        }
        // Starts are unique, so the shard starting at an end is the next one in key order when
        // the keyspace is partitioned; look up the rest (only in an image that is not).
        for (int i = 0; i < ctx.shards.length; i++) {
            Shard shard = ctx.shards[i].shard();
            if (rightOf[i] < 0 && !shard.end().isEmpty()) {
                Long id = ctx.routing.shardsByStart().get(shard.end());
                rightOf[i] = id == null ? -1 : ctx.position(id);
            }
        }
        return rightOf;
    }
}
