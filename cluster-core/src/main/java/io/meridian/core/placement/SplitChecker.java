package io.meridian.core.placement;

import io.meridian.core.Validation;
import io.meridian.core.placement.LoadView.ShardReport;
import io.meridian.core.placement.PlanContext.Loaded;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.Shard;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.SplitShard;
import java.util.Optional;

/**
 * Splits shards above {@code split-size} or {@code split-qps}, at the key the data node suggested,
 * else the middle of the range. A shard changed since its last report (just split, say) is not
 * split again until its own report arrives: its size is only an estimate. Limit:
 * {@code split-limit}.
 */
final class SplitChecker {

    private SplitChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.SPLIT_LIMIT));
        long splitSize = ctx.config.value(SchedulerParameter.SPLIT_SIZE);
        long splitQps = ctx.config.value(SchedulerParameter.SPLIT_QPS);
        for (Loaded loaded : ctx.shards) {
            ShardReport report = loaded.report();
            if (report == null) {
                continue;
            }
            boolean big = loaded.size() > splitSize;
            boolean hot = loaded.qps() > splitQps;
            if (!big && !hot) {
                continue;
            }
            Shard shard = loaded.shard();
            String why = big ? "size " + loaded.size() + " B above split-size " + splitSize + " B"
                    : loaded.qps() + " qps above split-qps " + splitQps;
            if (loaded.estimated()) {
                ctx.reason("shard " + shard.id(), why + " (estimated: it changed since its last report); split once "
                        + "its own report arrives");
                continue;
            }
            if (ctx.touched.contains(shard.id())) {
                ctx.reason("shard " + shard.id(), why + ", but it is moving; split after the move");
                continue;
            }
            if (ctx.full()) {
                ctx.reason("shard " + shard.id(), why + "; split in a later tick (" + ctx.fullBecause() + ")");
                continue;
            }
            Optional<Key> at = report.splitKey().filter(shard::strictlyInside)
                    .or(() -> Key.between(shard.start(), shard.end(), Validation.MAX_KEY_BYTES));
            if (at.isEmpty()) {
                ctx.reason("shard " + shard.id(), why + ", but no key lies inside " + shard.range());
                continue;
            }
            ctx.touched.add(shard.id());
            ctx.add(Plan.Kind.SPLIT, MetadataEntry.newBuilder().setPlacement(ctx.command(why).setSplit(
                    SplitShard.newBuilder().setShardId(shard.id()).setSplitKey(at.get().toByteString()))).build(),
                    "split shard " + shard.id() + " " + shard.range() + " at " + at.get(), why, true);
        }
    }
}
