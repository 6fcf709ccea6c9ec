package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.core.placement.SchedulerConfig;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.proto.PauseScheduler;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ResumeScheduler;
import io.meridian.proto.SchedulerConfigRecord;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian scheduler ...`: the placement scheduler's replicated configuration. */
@Command(name = "scheduler", description = "The placement scheduler: status, pause, resume, settings.",
        subcommands = {SchedulerCommand.Status.class, SchedulerCommand.Pause.class, SchedulerCommand.Resume.class,
                SchedulerCommand.Set.class})
final class SchedulerCommand {

    private SchedulerCommand() {
    }

    /** `meridian scheduler status`. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Whether the scheduler runs, and every setting with its default.",
            footer = {"", "Example:", "  meridian scheduler status"})
    static final class Status extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            SchedulerConfigRecord record = client.schedulerConfig(ReadOptions.getDefaultInstance());
            if (printedJson(out, record)) {
                return;
            }
            SchedulerConfig config = SchedulerConfig.fromProto(record);
            out.println(config.paused() ? "paused: " + config.pauseReason() : "running");
            Output.Table table = Output.table("SETTING", "VALUE", "DEFAULT");
            for (SchedulerParameter parameter : SchedulerParameter.values()) {
                table.row(parameter.key(), parameter.format(config.value(parameter)),
                        parameter.format(parameter.defaultValue()));
            }
            table.print(out);
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
            printWrite(out, client.controlScheduler(SchedulerControl.newBuilder()
                    .setPause(PauseScheduler.newBuilder().setReason(reason)).build()));
        }
    }

    /** `meridian scheduler resume`. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let the scheduler propose again.",
            footer = {"", "Example:", "  meridian scheduler resume"})
    static final class Resume extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.controlScheduler(SchedulerControl.newBuilder()
                    .setResume(ResumeScheduler.getDefaultInstance()).build()));
        }
    }

    /** `meridian scheduler set KEY VALUE`. */
    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Change one setting. Keys: tick-interval, max-actions-per-tick, imbalance-threshold, "
                    + "split-size, split-qps, merge-size, merge-qps, cooldown, move-budget, budget-window, "
                    + "migration-stall-ticks (see `scheduler status` for values)."},
            footer = {"", "Examples:", "  meridian scheduler set split-size 256MiB",
                    "  meridian scheduler set imbalance-threshold 15%"})
    static final class Set extends ClientCommand {
        @Parameters(index = "0", paramLabel = "KEY", description = "The setting.")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE", description = "Its new value, such as 10s, 96MiB or 0.2.")
        String value;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.controlScheduler(SchedulerControl.newBuilder()
                    .setSet(SetSchedulerParameter.newBuilder().setKey(key).setValue(value)).build()));
        }
    }
}
