package io.meridian.bench;

import io.meridian.node.RaftSettings;
import io.meridian.node.RaftTuning;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.openjdk.jmh.Main;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The benchmark runner: {@code meridian bench [NAME...] [--quick]}. Each benchmark prints a table
 * and writes {@code <out>/<name>.json}; every run first prints the machine and the Ratis settings.
 * {@code meridian bench jmh ARGS} hands ARGS to JMH itself.
 */
@Command(name = "meridian bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs Meridian's benchmarks and writes one JSON file of results per benchmark.",
            "NAME is one or more of: write, failover, apply, snapshot, planner, routing (default: all).",
            "`meridian bench jmh ARGS` runs JMH with ARGS instead (e.g. `jmh ApplyBenchmark -p shards=1000`)."})
public final class Bench implements Callable<Integer> {

    /** Every benchmark, in the order a full run takes them. */
    static final List<String> NAMES = List.of("apply", "snapshot", "planner", "routing", "write", "failover");

    /**
     * What one run does.
     *
     * @param workDir where clusters keep their data and logs
     * @param jitWarmup how long each write system is loaded at the highest concurrency before any
     *     level is measured: four JVMs on two cores are still compiling for tens of seconds
     * @param warmup the unmeasured start of each level
     */
    record Settings(boolean quick, Path workDir, List<Integer> clients, Duration jitWarmup, Duration warmup,
            Duration measure, int kills, int jmhWarmups, int jmhIterations, int jmhSeconds) {
    }

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Benchmarks to run (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--quick", description = "A smoke run: fewer sizes, levels and kills, short iterations "
            + "(under two minutes).")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
            description = "Where the JSON files go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where clusters keep data and logs (default: a new temporary directory, removed "
                    + "after a successful run).")
    Path workDir;

    @Option(names = "--clients", paramLabel = "N", split = ",",
            description = "Client concurrencies of the write benchmark (default: 1,16,64; quick: 1,16).")
    List<Integer> clients;

    @Option(names = "--seconds", paramLabel = "S",
            description = "Measured seconds per write level (default: 10; quick: 2).")
    Integer seconds;

    @Option(names = "--kills", paramLabel = "N", description = "Leader kills per failover config (default: 20; "
            + "quick: 1).")
    Integer kills;

    private final PrintStream console;

    Bench(PrintStream console) {
        this.console = console;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        // Ratis's shaded gRPC logs through java.util.logging; route it to SLF4J, whose
        // configuration (the CLI's logback.xml) keeps library logs off the console.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(new CommandLine(new Bench(System.out)).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> selected = names.isEmpty() ? NAMES : names;
        for (String name : selected) {
            if (!NAMES.contains(name)) {
                System.err.println("meridian bench: unknown benchmark '" + name + "'; choose from " + NAMES);
                return 2;
            }
        }
        if ((clients != null && clients.stream().anyMatch(c -> c < 1 || c > 1024))
                || (seconds != null && (seconds < 1 || seconds > 3600)) || (kills != null && (kills < 1 || kills > 1000))) {
            System.err.println("meridian bench: --clients must be 1-1024, --seconds 1-3600 and --kills 1-1000");
            return 2;
        }
        boolean temporary = workDir == null;
        Path work = temporary ? Files.createTempDirectory("meridian-bench") : Files.createDirectories(workDir);
        Settings settings = new Settings(quick, work,
                clients != null ? clients : quick ? List.of(1, 16) : List.of(1, 16, 64),
                Duration.ofSeconds(quick ? 2 : 20), Duration.ofSeconds(quick ? 1 : 3),
                Duration.ofSeconds(seconds != null ? seconds : quick ? 2 : 10),
                kills != null ? kills : quick ? 1 : 20, quick ? 1 : 3, quick ? 1 : 3, quick ? 1 : 2);
        Machine machine = Machine.current();
        SortedMap<String, String> ratis = RaftSettings.describe(RaftTuning.DEFAULT);
        console.println("machine: " + machine.describe());
        console.println("ratis:   " + ratis);
        console.println("results: " + out.toAbsolutePath() + (quick ? " (quick run)" : ""));
        long started = System.nanoTime();
        for (String name : NAMES) {
            if (!selected.contains(name)) {
                continue;
            }
            List<Report> tables = run(name, settings);
            Path file = Report.write(out, name, machine, quick, ratis, tables);
            tables.forEach(table -> table.print(console));
            console.println("  -> " + file);
        }
        console.printf(Locale.ROOT, "%ndone in %.0f s%n", (System.nanoTime() - started) / 1e9);
        if (temporary) {
            delete(work);
        }
        return 0;
    }

    private List<Report> run(String name, Settings settings) throws Exception {
        return switch (name) {
            case "apply" -> List.of(JmhBench.run(name, "Apply: one entry applied by cluster-core, single thread",
                    ApplyBenchmark.class, sizes("shards", quick ? List.of("1000")
                            : List.of("1000", "100000", "1000000")), settings, console));
            case "planner" -> List.of(JmhBench.run(name, "Planner: one tick's plan", PlannerBenchmark.class,
                    quick ? List.of(combo("shards", "10000", "nodes", "100"))
                            : cross("shards", List.of("10000", "100000", "1000000"), "nodes", List.of("100", "1000")),
                    settings, console));
            case "snapshot" -> {
                List<String> sizes = quick ? List.of("10000") : List.of("100000", "1000000");
                Report times = JmhBench.run(name, "Snapshot: write and load through the node's snapshot files",
                        SnapshotBenchmark.class, sizes("shards", sizes), settings, console);
                Report bytes = new Report("snapshot_bytes", "Snapshot size", Report.col("shards", "SHARDS"),
                        Report.col("bytes", "BYTES"));
                for (String size : sizes) {
                    bytes.row(Long.parseLong(size), SnapshotBenchmark.snapshotBytes(Integer.parseInt(size)));
                }
                yield List.of(times, bytes);
            }
            case "routing" -> List.of(JmhBench.run(name, "Routing: key lookups against the published image while "
                    + "a writer applies entries (one thread each)", RoutingBenchmark.class,
                    sizes("shards", quick ? List.of("1000") : List.of("1000", "100000", "1000000")), settings, console));
            case "write" -> WriteBench.run(settings, console);
            case "failover" -> FailoverBench.run(settings, console);
            default -> throw new IllegalArgumentException("no runner for " + name);
        };
    }

    static List<Map<String, String>> sizes(String param, List<String> values) {
        return values.stream().map(value -> Map.of(param, value)).toList();
    }

    static Map<String, String> combo(String a, String aValue, String b, String bValue) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(a, aValue);
        out.put(b, bValue);
        return out;
    }

    static List<Map<String, String>> cross(String a, List<String> aValues, String b, List<String> bValues) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String x : aValues) {
            for (String y : bValues) {
                out.add(combo(a, x, b, y));
            }
        }
        return out;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
