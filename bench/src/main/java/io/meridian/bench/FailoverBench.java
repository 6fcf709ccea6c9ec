package io.meridian.bench;

import io.meridian.node.RaftTuning;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Failover: the leader of a three-process Meridian cluster is killed (SIGKILL) and the time to the
 * first successful write is measured, from a client that keeps writing; the node is then started
 * again and the cluster left to converge before the next kill. Once with the default election
 * timeouts and once with tuned ones.
 */
final class FailoverBench {

    /** The election timeouts of the tuned run. */
    static final Duration TUNED_MIN = Duration.ofMillis(300);
    static final Duration TUNED_MAX = Duration.ofMillis(600);

    private FailoverBench() {
    }

    static List<Report> run(Bench.Settings settings, PrintStream out) throws Exception {
        Report table = new Report("failover", "Failover: leader SIGKILL to the first successful write",
                Report.col("config", "CONFIG"), Report.col("election_timeout", "ELECTION TIMEOUT"),
                Report.col("kills", "KILLS"), Report.col("median_ms", "MEDIAN MS"), Report.col("max_ms", "MAX MS"),
                Report.col("min_ms", "MIN MS"), Report.col("samples_ms", "SAMPLES MS"));
        table.setting("kills", settings.kills());
        measure("default", RaftTuning.DEFAULT, settings, out, table);
        measure("tuned", RaftTuning.DEFAULT.withElectionTimeouts(TUNED_MIN, TUNED_MAX), settings, out, table);
        return List.of(table);
    }

    private static void measure(String name, RaftTuning tuning, Bench.Settings settings, PrintStream out,
            Report table) throws Exception {
        String timeouts = tuning.electionTimeoutMin().toMillis() + "-" + tuning.electionTimeoutMax().toMillis() + " ms";
        out.println("failover: " + name + " (" + timeouts + "): starting 3 Meridian node processes");
        List<Long> samples = new ArrayList<>();
        try (MeridianCluster cluster = new MeridianCluster(settings.workDir().resolve("failover-" + name), tuning)) {
            cluster.start();
            cluster.prepareWorkload();
            try (Load.Client writer = cluster.clients().open(0)) {
                long sequence = 0;
                for (int kill = 1; kill <= settings.kills(); kill++) {
                    Wait.until("the cluster to converge before kill " + kill, Duration.ofSeconds(120),
                            cluster::converged);
                    writer.write(sequence++);
                    AtomicReference<String> known = new AtomicReference<>("");
                    Wait.until("a leader before kill " + kill, Duration.ofSeconds(60),
                            () -> !known.updateAndGet(previous -> cluster.leader()).isEmpty());
                    String leader = known.get();
                    long killed = System.nanoTime();
                    cluster.kill(leader);
                    long deadline = killed + Duration.ofSeconds(60).toNanos();
                    while (true) {
                        try {
                            writer.write(sequence++);
                            break;
                        } catch (RuntimeException e) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("no write succeeded within 60 s of killing " + leader
                                        + ": " + e, e);
                            }
                        }
                    }
                    long millis = (System.nanoTime() - killed) / 1_000_000;
                    samples.add(millis);
                    out.printf("failover: %s kill %d/%d: %s was leader, first write after %d ms%n", name, kill,
                            settings.kills(), leader, millis);
                    cluster.restart(leader);
                }
                Wait.until("the cluster to converge after the last kill", Duration.ofSeconds(120), cluster::converged);
            }
        }
        List<Long> sorted = samples.stream().sorted().toList();
        table.row(name, timeouts, sorted.size(), (double) median(sorted), (double) sorted.get(sorted.size() - 1),
                (double) sorted.get(0), samples.toString());
    }

    static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
