package io.meridian.it.faults;

import static io.meridian.it.faults.HarnessLog.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.it.check.CheckResult;
import io.meridian.it.check.HistoryFile;
import io.meridian.it.check.ListAppend;
import io.meridian.it.check.ListChecker;
import io.meridian.it.check.RegisterChecker;
import io.meridian.it.check.Result;
import io.meridian.it.check.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite: randomized runs, each a fresh three-node cluster of `meridian node start`
 * processes whose Raft links go through proxies the test controls, a load of concurrent clients on
 * an append-only list (the catalog) and on registers (scheduler parameters) with linearizable
 * reads, and a nemesis that injects one fault at a time: SIGKILL of the leader, of a random node or
 * of every node (then restarts), SIGSTOP of the leader or a follower past the election timeout,
 * and the leader or a follower cut off from its peers. After each run: the replicas converge to
 * one applied index and digest, every history is checked for linearizability (duplicates, lost
 * acknowledgements, stale reads and the rest), and the observer's invariants hold.
 *
 * <p>By default one short run with one leader fault of each kind, inside {@code mvn verify};
 * {@code mvn verify -Pfaults} runs the long suite (see the README): {@code faults.runs} runs of
 * {@code faults.seconds} seconds each, from {@code faults.seed}, with every kind of fault or those
 * {@code faults.kinds} names (KILL_LEADER,PAUSE_LEADER,...). The table goes to stdout and to
 * {@code target/faults/summary.txt}; the history of a run that fails is kept there, and the nodes'
 * files too ({@code faults.root=DIR} keeps every run's).
 */
@Timeout(4 * 3600)
class FaultSuiteIT {

    private static final int RUNS = Integer.getInteger("faults.runs", 0);
    private static final int SECONDS = Integer.getInteger("faults.seconds", 60);
    private static final Duration ELECTION_MIN = Duration.ofMillis(Long.getLong("faults.election-min-ms", 500));
    private static final Duration ELECTION_MAX = Duration.ofMillis(Long.getLong("faults.election-max-ms", 1000));
    private static final Path OUT = Path.of(System.getProperty("faults.out", "target/faults"));
    private static final String KINDS = System.getProperty("faults.kinds", "");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    /** What one run did and found. */
    record Run(int number, long seed, List<Nemesis.Record> faults, Map<Nemesis.Fault, List<Long>> gapsMs,
            int appends, int appendsOk, int appendsInfo, int appendsFail, int listReads, int registerOps,
            CheckResult list, CheckResult registers, List<String> invariantViolations, long convergedIndex,
            boolean converged) {

        int ops() {
            return appends + listReads + registerOps;
        }

        List<Violation> violations() {
            List<Violation> all = new ArrayList<>(list.violations());
            all.addAll(registers.violations());
            return all;
        }

        long lostAcks() {
            return list.violations().stream().filter(v -> v.kind() == Violation.Kind.LOST).count();
        }

        boolean clean() {
            return list.valid() && registers.valid() && invariantViolations.isEmpty() && converged
                    && faults.stream().allMatch(Nemesis.Record::effective);
        }
    }

    @Test
    void historiesStayLinearizableAndNothingAcknowledgedIsLostUnderFaults() throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random seeds = new Random(seed);
        List<Run> runs = new ArrayList<>();
        if (RUNS == 0) {
            // The short suite inside mvn verify: one run, each leader fault once.
            runs.add(run(1, seeds.nextLong(), EnumSet.of(Nemesis.Fault.KILL_LEADER, Nemesis.Fault.PAUSE_LEADER,
                    Nemesis.Fault.PARTITION_LEADER), 0));
        } else {
            Set<Nemesis.Fault> kinds = KINDS.isBlank() ? EnumSet.allOf(Nemesis.Fault.class)
                    : Stream.of(KINDS.split(",")).map(String::trim).map(Nemesis.Fault::valueOf)
                            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Nemesis.Fault.class)));
            for (int i = 1; i <= RUNS; i++) {
                runs.add(run(i, seeds.nextLong(), kinds, SECONDS));
            }
        }
        String table = table(seed, runs);
        log("%s", table);
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("summary.txt"), table, StandardCharsets.UTF_8);

        for (Run run : runs) {
            assertThat(run.converged()).as("run %d (seed %d) converged", run.number(), run.seed()).isTrue();
            assertThat(run.violations()).as("violations in run %d (seed %d)", run.number(), run.seed()).isEmpty();
            assertThat(run.list().verdict()).isEqualTo(CheckResult.Verdict.VALID);
            assertThat(run.registers().verdict()).as("register check of run %d", run.number())
                    .isEqualTo(CheckResult.Verdict.VALID);
            assertThat(run.invariantViolations()).isEmpty();
            assertThat(run.faults()).as("faults of run %d", run.number()).allMatch(Nemesis.Record::effective);
            assertThat(run.appendsOk()).as("acknowledged appends in run %d", run.number()).isPositive();
        }
    }

    /**
     * One run: a fresh cluster, the load, faults until {@code seconds} passed (or, with 0 seconds,
     * each enabled fault once), then the checks.
     */
    private Run run(int number, long seed, Set<Nemesis.Fault> enabled, int seconds) throws Exception {
        String keep = System.getProperty("faults.root");
        Path dir = (keep == null ? root : Files.createDirectories(Path.of(keep))).resolve("run-" + number + "-" + seed);
        log("run %d: seed %d, faults %s, %s", number, seed, enabled, seconds == 0 ? "each once" : seconds + " s");
        try (ProcessCluster cluster = ProcessCluster.builder(dir).electionTimeouts(ELECTION_MIN, ELECTION_MAX)
                .nodeFlags("--snapshot-threshold", "200").start()) {
            Nemesis nemesis = new Nemesis(cluster, seed, enabled, Nemesis.Settings.defaults(ELECTION_MAX));
            Random pauses = new Random(seed);
            Workload load = new Workload(cluster::client, "r" + number, 3, 2);
            try {
                long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                quiet(cluster, Duration.ofSeconds(2));
                if (seconds == 0) {
                    for (Nemesis.Fault fault : nemesis.schedule(enabled.size())) {
                        nemesis.inject(fault);
                        quiet(cluster, Duration.ofMillis(1_000 + pauses.nextInt(1_000)));
                    }
                } else {
                    while (System.nanoTime() < end) {
                        nemesis.injectRandom();
                        quiet(cluster, Duration.ofMillis(1_000 + pauses.nextInt(2_000)));
                    }
                }
            } finally {
                load.stop();
            }
            cluster.network().heal();
            boolean converged;
            long index = -1;
            try {
                index = cluster.observer().awaitConverged(Duration.ofSeconds(120)).values().iterator().next()
                        .getAppliedIndex();
                converged = true;
            } catch (AssertionError e) {
                log("run %d did not converge: %s", number, e.getMessage());
                converged = false;
            }
            MeridianClient reader = cluster.client();
            List<String> finalList = Workload.wholeList(reader);
            CheckResult list = ListChecker.check(load.appends(), load.reads(), finalList);
            CheckResult registers = RegisterChecker.check(load.registerOps(), load.initialRegisters(),
                    Duration.ofSeconds(60));
            List<ListAppend> appends = load.appends();
            Run run = new Run(number, seed, nemesis.history(), writeGaps(nemesis.history(), load.writeCompletions()),
                    appends.size(), count(appends, Result.OK), count(appends, Result.INFO),
                    count(appends, Result.FAIL), load.reads().size(), load.registerOps().size(), list, registers,
                    cluster.observer().violations(), index, converged);
            log("run %d: %d ops; list %s; registers %s; %d faults", number, run.ops(), list.summary(),
                    registers.summary(), run.faults().size());
            if (!run.clean()) {
                Files.createDirectories(OUT);
                Path history = OUT.resolve("run-" + number + "-seed-" + seed + ".history");
                HistoryFile.write(history, new HistoryFile.History(load.appends(), load.reads(), finalList,
                        load.registerOps(), new java.util.TreeMap<>(load.initialRegisters())));
                log("run %d failed; its history is in %s; the nodes' files in %s\n%s\n%s", number, history, dir,
                        list.report(), registers.report());
            }
            return run;
        }
    }

    private static int count(List<ListAppend> appends, Result result) {
        return (int) appends.stream().filter(a -> a.result() == result).count();
    }

    /** Lets the load run without a fault for a while, the observer sampling the members meanwhile. */
    private static void quiet(ProcessCluster cluster, Duration duration) {
        await().during(duration).atMost(duration.plusSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    cluster.observer().poll();
                    return true;
                });
    }

    /**
     * The longest time without an acknowledged write around each fault: from the last write
     * acknowledged before it, through the writes acknowledged while it lasted and the cluster
     * recovered, to the first one after.
     */
    static Map<Nemesis.Fault, List<Long>> writeGaps(List<Nemesis.Record> faults, List<Long> completions) {
        Map<Nemesis.Fault, List<Long>> gaps = new EnumMap<>(Nemesis.Fault.class);
        for (Nemesis.Record fault : faults) {
            long previous = fault.startNanos();
            for (long done : completions) {
                if (done <= fault.startNanos()) {
                    previous = done;
                }
            }
            long longest = 0;
            for (long done : completions) {
                if (done <= fault.startNanos()) {
                    continue;
                }
                longest = Math.max(longest, done - previous);
                previous = done;
                if (done > fault.endNanos()) {
                    break;
                }
            }
            gaps.computeIfAbsent(fault.fault(), f -> new ArrayList<>()).add(longest / 1_000_000);
        }
        return gaps;
    }

    private static String table(long seed, List<Run> runs) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "fault suite: %d run(s), seed %d, election timeouts %d-%d ms, "
                + "snapshot threshold 200, 3 appenders + 1 list reader + 2 register writers + 1 register reader%n",
                runs.size(), seed, ELECTION_MIN.toMillis(), ELECTION_MAX.toMillis()));
        out.append(String.format(Locale.ROOT, "%-4s %-20s %7s %18s %7s %8s %6s %10s %5s %9s%n", "RUN", "SEED", "OPS",
                "APPENDS ok/info/fail", "READS", "REGISTER", "FAULTS", "VIOLATIONS", "LOST", "CONVERGED"));
        long ops = 0;
        long violations = 0;
        long lost = 0;
        for (Run run : runs) {
            ops += run.ops();
            violations += run.violations().size() + run.invariantViolations().size();
            lost += run.lostAcks();
            out.append(String.format(Locale.ROOT, "%-4d %-20d %7d %18s %7d %8d %6d %10d %5d %9s%n", run.number(),
                    run.seed(), run.ops(), run.appendsOk() + "/" + run.appendsInfo() + "/" + run.appendsFail(),
                    run.listReads(), run.registerOps(), run.faults().size(),
                    run.violations().size() + run.invariantViolations().size(), run.lostAcks(),
                    run.converged() ? "@" + run.convergedIndex() : "NO"));
        }
        out.append(String.format(Locale.ROOT, "total: %d runs, %d ops, %d violations, %d lost acknowledgements%n",
                runs.size(), ops, violations, lost));
        out.append(String.format(Locale.ROOT, "%-20s %6s %9s %16s %12s%n", "FAULT", "COUNT", "EFFECTIVE",
                "WRITE GAP MEDIAN", "GAP MAX"));
        for (Nemesis.Fault fault : Nemesis.Fault.values()) {
            List<Nemesis.Record> of = runs.stream().flatMap(r -> r.faults().stream())
                    .filter(r -> r.fault() == fault).toList();
            List<Long> gaps = runs.stream().flatMap(r -> r.gapsMs().getOrDefault(fault, List.of()).stream())
                    .sorted().toList();
            if (of.isEmpty()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%-20s %6d %9d %13d ms %9d ms%n", fault, of.size(),
                    of.stream().filter(Nemesis.Record::effective).count(), gaps.get(gaps.size() / 2),
                    gaps.get(gaps.size() - 1)));
        }
        return out.toString();
    }
}
