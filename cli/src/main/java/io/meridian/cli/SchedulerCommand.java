package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.core.placement.SchedulerConfig;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.PauseScheduler;
import io.meridian.proto.PlanReasonRecord;
import io.meridian.proto.PlanReply;
import io.meridian.proto.PlannedActionRecord;
import io.meridian.proto.ResumeScheduler;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SchedulerStatusReply;
import io.meridian.proto.SetSchedulerParameter;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian scheduler ...`: the placement scheduler: its replicated configuration, its last tick, its next plan. */
@Command(name = "scheduler", description = "The placement scheduler: status, the next plan, pause, resume, settings.",
        subcommands = {SchedulerCommand.Status.class, SchedulerCommand.PlanNext.class, SchedulerCommand.Pause.class,
                SchedulerCommand.Resume.class, SchedulerCommand.Set.class})
final class SchedulerCommand {

    private SchedulerCommand() {
    }

    /** `meridian scheduler status`. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Whether the scheduler runs, every setting with its default, and what its last tick did.",
            footer = {"", "Example:", "  meridian scheduler status"})
    static final class Status extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            SchedulerStatusReply status = client.placement().schedulerStatus();
            if (printedJson(out, status)) {
                return;
            }
            SchedulerConfig config = SchedulerConfig.fromProto(status.getConfig());
            out.println(config.paused() ? "paused: " + config.pauseReason() : "running");
            Output.Table table = Output.table("SETTING", "VALUE", "DEFAULT");
            for (SchedulerParameter parameter : SchedulerParameter.values()) {
                table.row(parameter.key(), parameter.format(config.value(parameter)),
                        parameter.format(parameter.defaultValue()));
            }
            table.print(out);
            out.println();
            if (status.getTicks() == 0) {
                out.println("leader " + status.getLeaderId() + ": " + status.getIdleReason());
                return;
            }
            out.printf("leader %s: %d ticks, the last at %s; %d actions proposed, %d applied%n", status.getLeaderId(),
                    status.getTicks(), Output.time(status.getLastTickMs()), status.getActionsProposed(),
                    status.getActionsApplied());
            PlanReply last = status.getLastPlan();
            if (!last.getMetric().isEmpty()) {
                out.printf("imbalance %s (%s), planned against routing version %d%n",
                        Output.percent(last.getImbalanceBps()), last.getMetric(), last.getRoutingVersion());
            }
            if (!status.getIdleReason().isEmpty()) {
                out.println("last tick: " + status.getIdleReason());
            }
            printPlan(out, last, true);
            printRepairs(client, out);
        }
    }

    /** The repairs in flight, with how far each got. */
    private static void printRepairs(MeridianClient client, PrintWriter out) {
        List<MigrationRecord> repairs = client.metadata().listMigrations(ListMigrationsRequest.newBuilder()
                .setInFlightOnly(true)
                .build()).getMigrationsList().stream().filter(MigrationRecord::getRepair).toList();
        if (repairs.isEmpty()) {
            return;
        }
        out.println();
        out.println(repairs.size() + " repair" + (repairs.size() == 1 ? "" : "s") + " in flight:");
        Output.Table table = Output.table("MIGRATION", "SHARD", "MOVE", "PHASE", "CHECKPOINTS", "UPDATED");
        for (MigrationRecord m : repairs) {
            table.row(m.getMigrationId(), m.getShardId(), MigrationsCommand.move(m),
                    Output.name(m.getPhase(), "MIGRATION_PHASE_"), m.getCheckpoints(), Output.time(m.getUpdatedAtMs()));
        }
        table.print(out);
    }

    /** `meridian scheduler plan`. */
    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = "What the scheduler's next tick would do, and why it leaves the rest; proposes nothing.",
            footer = {"", "Example:", "  meridian scheduler plan"})
    static final class PlanNext extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            PlanReply plan = client.placement().planPlacement();
            if (printedJson(out, plan)) {
                return;
            }
            out.printf("imbalance %s (%s), routing version %d, leader %s%n", Output.percent(plan.getImbalanceBps()),
                    plan.getMetric(), plan.getRoutingVersion(), plan.getLeaderId());
            if (plan.getActionsCount() == 0) {
                out.println("no action");
            }
            printPlan(out, plan, false);
        }
    }

    /** The actions (with their outcomes when proposed) and the reasons of a plan. */
    static void printPlan(PrintWriter out, PlanReply plan, boolean proposed) {
        if (plan.getActionsCount() > 0) {
            Output.Table actions = proposed ? Output.table("ACTION", "WHAT", "WHY", "OUTCOME")
                    : Output.table("ACTION", "WHAT", "WHY");
            for (PlannedActionRecord action : plan.getActionsList()) {
                actions.row(action.getKind(), action.getDescription(), action.getReason(),
                        action.getOutcome().isEmpty() ? "-" : action.getOutcome());
            }
            actions.print(out);
        }
        for (PlanReasonRecord reason : plan.getReasonsList()) {
            out.println(reason.getSubject() + ": " + reason.getReason());
        }
    }

    /** `meridian scheduler pause [--reason R]`. */
    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Stop the scheduler from proposing; survives leader changes until resumed.",
            footer = {"", "Example:", "  meridian scheduler pause --reason 'maintenance window'"})
    static final class Pause extends ClientCommand {
        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "operator",
                description = "Why (default: ${DEFAULT-VALUE}).")
        String reason;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().controlScheduler(SchedulerControl.newBuilder()
                    .setPause(PauseScheduler.newBuilder().setReason(reason)).build()));
        }
    }

    /** `meridian scheduler resume`. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let the scheduler propose again.",
            footer = {"", "Example:", "  meridian scheduler resume"})
    static final class Resume extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().controlScheduler(SchedulerControl.newBuilder()
                    .setResume(ResumeScheduler.getDefaultInstance()).build()));
        }
    }

    /** `meridian scheduler set KEY VALUE`. */
    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Change one setting. Keys: tick-interval, max-actions-per-tick, imbalance-threshold, "
                    + "split-size, split-qps, merge-size, merge-qps, cooldown, move-budget, budget-window, "
                    + "migration-stall-ticks (see `scheduler status` for values)."},
            footer = {"", "Examples:", "  meridian scheduler set split-size 256MiB",
                    "  meridian scheduler set imbalance-threshold 15%%"})
    static final class Set extends ClientCommand {
        @Parameters(index = "0", paramLabel = "KEY", description = "The setting.")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE", description = "Its new value, such as 10s, 96MiB or 0.2.")
        String value;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().controlScheduler(SchedulerControl.newBuilder()
                    .setSet(SetSchedulerParameter.newBuilder().setKey(key).setValue(value)).build()));
        }
    }
}
