package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.client.sim.Simulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `meridian simulate`: a simulated data plane for every node, with a live view of the cluster converging. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Play the data plane of every node of a cluster (the local one by default): report load, "
                + "grow the shards (so the keyspace splits), drive migrations through their checkpoints, report "
                + "ghosts for moved entities and let them go.",
                "Shows, per node, replicas, bytes and leaderships, the moves in flight and the imbalance over time. "
                        + "Ctrl-C stops it; the cluster keeps what it was told."},
        footer = {"", "Examples:", "  meridian simulate", "  meridian simulate --shards 200 --skew 1.2 --rounds 60"})
final class SimulateCommand extends ClientCommand {

    @Option(names = "--shards", paramLabel = "M", defaultValue = "16", converter = Converters.CountConverter.class,
            description = "Split a one-shard keyspace into M shards first (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--skew", paramLabel = "S", defaultValue = "1.0",
            description = "Zipf exponent of shard sizes and traffic, 0 (uniform) to 10 (default: ${DEFAULT-VALUE}).")
    double skew;

    @Option(names = "--data", paramLabel = "SIZE", defaultValue = "8GiB", converter = Converters.SizeConverter.class,
            description = "Bytes over all shards at the start (default: ${DEFAULT-VALUE}).")
    long data;

    @Option(names = "--growth", paramLabel = "FRACTION", defaultValue = "0.005",
            description = "Per round, a shard grows by this fraction of its size times its heat "
                    + "(default: ${DEFAULT-VALUE}).")
    double growth;

    @Option(names = "--round", paramLabel = "DURATION", defaultValue = "1s",
            converter = Converters.DurationConverter.class,
            description = "Time between rounds (default: ${DEFAULT-VALUE}).")
    Duration round;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "0", converter = Converters.CountConverter.class,
            description = "Stop after N rounds; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed (default: 1).")
    long seed;

    @Override
    void run(MeridianClient client, PrintWriter out) throws Exception {
        Simulator.Options simulation;
        try {
            simulation = Simulator.Options.defaults().withShards(Math.max(1, shards)).withSkew(skew)
                    .withTotalBytes(data).withGrowth(growth, 0.01).withSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
        if (round.isZero() || round.isNegative()) {
            throw new CliException(ExitCode.USAGE, "--round must be positive");
        }
        out.printf("simulating the data plane of %s: %d shards, skew %s, %s, a round every %s%n",
                String.join(",", client.endpoints()), shards, skew, Output.bytes(data), round);
        out.flush();
        run(client, simulation, round, rounds, out, System.console() != null);
    }

    /** Runs the simulator until {@code rounds} rounds (0: until the process ends), printing the view. */
    static void run(MeridianClient client, Simulator.Options simulation, Duration round, int rounds, PrintWriter out,
            boolean redraw) throws InterruptedException {
        Simulator simulator = new Simulator(client, simulation);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> lastError = new AtomicReference<>("");
        try (Simulator.Running running = simulator.start(round, view -> {
            print(out, render(view, lastError.getAndSet("")), redraw);
            if (rounds > 0 && view.round() >= rounds) {
                done.countDown();
            }
        }, e -> lastError.set(e.getMessage()))) {
            done.await();
        }
    }

    private static void print(PrintWriter out, List<String> lines, boolean redraw) {
        if (redraw) {
            out.print("\033[H\033[2J");
        } else {
            out.println();
        }
        lines.forEach(out::println);
        out.flush();
    }

    /** The live view: per node, the moves in flight, imbalance over time. */
    static List<String> render(Simulator.View view, String error) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "round %d  routing v%d  %d shards  imbalance %s  migrations done %d"
                + "  checkpoints %d%s", view.round(), view.routingVersion(), view.shards(),
                Output.percent(view.imbalanceBps()), view.completedMigrations(), view.checkpoints(),
                view.refusals() > 0 ? "  refused " + view.refusals() : ""));
        long max = view.nodes().stream().mapToLong(Simulator.NodeView::bytes).max().orElse(1);
        Output.Table table = Output.table("NODE", "STATE", "REPLICAS", "LEADS", "BYTES", "");
        for (Simulator.NodeView node : view.nodes()) {
            int bar = max <= 0 ? 0 : (int) Math.round(30.0 * node.bytes() / max);
            table.row(node.nodeId(), node.state().toLowerCase(Locale.ROOT), node.replicas(), node.leading(),
                    Output.bytes(node.bytes()), "#".repeat(bar));
        }
        java.io.StringWriter buffer = new java.io.StringWriter();
        table.print(new PrintWriter(buffer));
        buffer.toString().lines().forEach(lines::add);
        lines.add("imbalance " + sparkline(view.imbalanceHistory()));
        if (view.moves().isEmpty()) {
            lines.add("no move in flight");
        } else {
            lines.add(view.moves().size() + " moves in flight:");
            view.moves().stream().limit(8).forEach(move -> lines.add("  " + move));
            if (view.moves().size() > 8) {
                lines.add("  ... " + (view.moves().size() - 8) + " more");
            }
        }
        if (!error.isEmpty()) {
            lines.add("last round failed: " + error);
        }
        return lines;
    }

    /** Imbalance over the rounds as a bar per round, relative to the worst. */
    private static String sparkline(List<Long> values) {
        String bars = " .:-=+*#%@";
        long max = values.stream().mapToLong(Long::longValue).max().orElse(0);
        StringBuilder line = new StringBuilder();
        for (long value : values.subList(Math.max(0, values.size() - 60), values.size())) {
            line.append(max == 0 ? ' ' : bars.charAt((int) Math.min(bars.length() - 1, value * (bars.length() - 1)
                    / max)));
        }
        return "[" + line + "] " + (values.isEmpty() ? "" : Output.percent(values.get(values.size() - 1)));
    }
}
