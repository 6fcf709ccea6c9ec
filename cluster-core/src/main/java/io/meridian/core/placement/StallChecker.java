package io.meridian.core.placement;

import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.RoutingChange;
import java.util.Optional;

/**
 * Aborts migrations that made no progress for {@code migration-stall-ticks} ticks, with the
 * routing compensation a migration past cutover needs. Limit: {@code repair-limit}.
 */
final class StallChecker {

    private StallChecker() {
    }

    static void run(PlanContext ctx) {
        ctx.startChecker(ctx.config.value(SchedulerParameter.REPAIR_LIMIT));
        long limit = ctx.config.value(SchedulerParameter.MIGRATION_STALL_TICKS);
        for (Long migrationId : ctx.image.migrations().activeByShard().values()) {
            Migration migration = ctx.image.migrations().migration(migrationId).orElseThrow();
            int ticks = ctx.stallTicks.getOrDefault(migration.id(), 0);
            if (ticks < limit) {
                continue;
            }
            if (ctx.full()) {
                ctx.reason("migration " + migration.id(), "stalled for " + ticks + " ticks; aborted in a later tick");
                continue;
            }
            abort(ctx, migration, "no progress for " + ticks + " scheduler ticks (limit " + limit + ")",
                    "no progress for " + ticks + " ticks");
        }
    }

    /** Proposes aborting the migration, with the compensation that puts routing back after a cutover. */
    static void abort(PlanContext ctx, Migration migration, String reason, String why) {
        // One abort per migration: a stalled move whose destination is lost is both checkers' to end.
        if (!ctx.aborted.add(migration.id())) {
            return;
        }
        MigrationAbort.Builder abort = MigrationAbort.newBuilder().setMigrationId(migration.id()).setReason(reason);
        boolean compensated = false;
        String because = why;
        if (migration.phase() == MigrationPhase.CUTOVER && migration.targetGroupId() != 0) {
            Optional<RoutingChange> back = backToSource(ctx, migration);
            if (back.isPresent()) {
                abort.addCompensations(back.get());
                compensated = true;
            } else if (ctx.repairsAllowed()) {
                // Nothing of the source can lead the shard back: it stays with the target, and
                // repair brings its group back to its replica count.
                abort.setKeepRouting(true);
                because = why + "; shard " + migration.shardId() + " stays where its cutover put it, as no ACTIVE "
                        + "member of its source group is left to take it back";
            }
        }
        ctx.add(Plan.Kind.ABORT_MIGRATION, MetadataEntry.newBuilder().setMigrationAbort(abort).build(),
                "abort migration " + migration.id() + " of shard " + migration.shardId() + " ("
                        + (migration.fromNode().isEmpty() ? "new replica" : migration.fromNode()) + " -> "
                        + migration.toNode() + ", " + migration.phase() + ")", because, compensated);
    }

    /** After cutover, an abort puts the shard back in a group with the source and without the target. */
    static Optional<RoutingChange> backToSource(PlanContext ctx, Migration migration) {
        return MigrationApplier.compensation(ctx.image, migration);
    }
}
