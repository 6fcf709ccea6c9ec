package io.meridian.bench;

import io.meridian.node.RaftTuning;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The write path: Meridian (three node processes, written to through MeridianClient) against bare
 * Ratis (a counter state machine with the same Ratis settings, written to by Ratis's async
 * client) and, when an etcd binary is present, a three-member etcd written to by jetcd, at each
 * client concurrency, with payloads of the size of Meridian's entries.
 */
final class WriteBench {

    private WriteBench() {
    }

    static List<Report> run(Bench.Settings settings, PrintStream out) throws Exception {
        Report table = new Report("write", "Write path: closed-loop clients, one write in flight each, fsync on",
                Report.col("system", "SYSTEM"), Report.col("clients", "CLIENTS"), Report.col("ops_per_s", "OPS/S"),
                Report.col("p50_ms", "P50 MS"), Report.col("p99_ms", "P99 MS"), Report.col("max_ms", "MAX MS"),
                Report.col("failures", "FAILED"));
        table.setting("jit_warmup_s", settings.jitWarmup().toSeconds())
                .setting("warmup_s", settings.warmup().toSeconds()).setting("measure_s", settings.measure().toSeconds())
                .setting("clients", settings.clients()).setting("server_jvm", String.join(" ", Procs.SERVER_JVM));
        RaftTuning tuning = RaftTuning.DEFAULT;
        Map<String, Map<Integer, Load.Result>> results = new LinkedHashMap<>();

        int payload;
        out.println("write: starting 3 Meridian node processes (mutual TLS, as deployed)");
        try (MeridianCluster meridian = new MeridianCluster(settings.workDir().resolve("write-meridian"), tuning,
                true)) {
            meridian.start();
            meridian.prepareWorkload();
            double mean = meridian.meanEntryBytes();
            payload = (int) Math.round(mean);
            table.setting("entry_bytes", Report.round(mean));
            results.put("meridian", levels("meridian", settings, out, meridian.clients()));
        }
        out.println("write: starting 3 Meridian node processes without TLS (--insecure)");
        try (MeridianCluster plaintext = new MeridianCluster(settings.workDir().resolve("write-meridian-plain"),
                tuning, false)) {
            plaintext.start();
            plaintext.prepareWorkload();
            results.put("meridian-plain", levels("meridian-plain", settings, out, plaintext.clients()));
        }
        out.println("write: starting 3 bare Ratis processes");
        try (RatisCluster ratis = new RatisCluster(settings.workDir().resolve("write-ratis"), tuning)) {
            ratis.start();
            results.put("ratis", levels("ratis", settings, out, ratis.clients(payload)));
        }
        Optional<String> etcd = EtcdCluster.binary();
        if (etcd.isEmpty()) {
            out.println("write: no etcd binary on the PATH; the etcd comparison is skipped "
                    + "(Debian: apt-get install etcd-server)");
            table.note("etcd: skipped, no etcd binary on the PATH");
        } else {
            try (EtcdCluster cluster = EtcdCluster.create(settings.workDir().resolve("write-etcd"), etcd.get())) {
                String version = cluster.version();
                out.println("write: starting 3 etcd " + version + " members");
                table.setting("etcd_version", version);
                cluster.start();
                results.put("etcd", levels("etcd", settings, out, cluster.clients(payload)));
            }
        }
        table.setting("payload_bytes", payload);
        for (Map.Entry<String, Map<Integer, Load.Result>> system : results.entrySet()) {
            for (Load.Result r : system.getValue().values()) {
                table.row(system.getKey(), r.clients(), Report.round(r.opsPerSecond()), Report.round(r.p50Ms()),
                        Report.round(r.p99Ms()), Report.round(r.maxMs()), r.failures());
                if (!r.firstFailure().isEmpty()) {
                    table.note(system.getKey() + " with " + r.clients() + " clients, first failure: " + r.firstFailure());
                }
            }
        }
        List<Report> tables = new ArrayList<>(List.of(table));
        for (String baseline : List.of("meridian-plain", "ratis", "etcd")) {
            if (results.containsKey(baseline)) {
                tables.add(ratios(baseline, results.get("meridian"), results.get(baseline)));
            }
        }
        return tables;
    }

    private static Map<Integer, Load.Result> levels(String system, Bench.Settings settings, PrintStream out,
            Load.Clients clients) throws Exception {
        Map<Integer, Load.Result> byClients = new LinkedHashMap<>();
        int most = settings.clients().stream().mapToInt(Integer::intValue).max().orElse(1);
        out.printf("write: %-8s warming up with %d clients for %d s%n", system, most, settings.jitWarmup().toSeconds());
        Load.run(most, Duration.ZERO, settings.jitWarmup(), clients);
        for (int n : settings.clients()) {
            Load.Result r = Load.run(n, settings.warmup(), settings.measure(), clients);
            out.printf("write: %-8s %3d clients  %8s ops/s  p50 %s ms  p99 %s ms%n", system, n,
                    Report.format(Report.round(r.opsPerSecond())), Report.format(Report.round(r.p50Ms())),
                    Report.format(Report.round(r.p99Ms())));
            byClients.put(n, r);
        }
        return byClients;
    }

    private static Report ratios(String baseline, Map<Integer, Load.Result> meridian,
            Map<Integer, Load.Result> base) {
        Report ratios = new Report("write_vs_" + baseline, "Meridian / " + baseline + " (throughput: higher is "
                + "better; latency: lower is better)", Report.col("clients", "CLIENTS"),
                Report.col("throughput_ratio", "THROUGHPUT"), Report.col("p50_ratio", "P50"),
                Report.col("p99_ratio", "P99"));
        for (Map.Entry<Integer, Load.Result> entry : meridian.entrySet()) {
            Load.Result b = base.get(entry.getKey());
            Load.Result m = entry.getValue();
            ratios.row(entry.getKey(), Report.round(m.opsPerSecond() / b.opsPerSecond()),
                    Report.round(m.p50Ms() / b.p50Ms()), Report.round(m.p99Ms() / b.p99Ms()));
        }
        return ratios;
    }
}
