package io.meridian.bench;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.ReportEdgeCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes against a running cluster through MeridianClient: C clients, each issuing one small write
 * after another (edge-cache stats reports, ~60-byte entries) for D seconds; prints throughput and
 * latency percentiles. Needs an edge-cache node: it enables one on the first node it sees.
 *
 * <p>{@code java -cp bench/target/meridian-bench.jar io.meridian.bench.WriteProbe ENDPOINTS CLIENTS SECONDS}
 */
public final class WriteProbe {

    private WriteProbe() {
    }

    public static void main(String[] args) throws Exception {
        String endpoints = args[0];
        int clients = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        String node;
        try (MeridianClient setup = MeridianClient.builder().endpoints(endpoints).build()) {
            node = setup.topology().getNodes(0).getNode().getNodeId();
            setup.changeEdgeCache(EdgeCacheChange.newBuilder().setNodeId(node).setEnable(
                    io.meridian.proto.EnableEdgeCache.newBuilder().setCpuCores(1).setRamMib(64)).build());
        }
        EdgeCacheChange write = EdgeCacheChange.newBuilder().setNodeId(node)
                .setStats(ReportEdgeCacheStats.newBuilder().setHits(3).setMisses(1)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        List<long[]> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        int[] failures = new int[clients];
        for (int c = 0; c < clients; c++) {
            long[] samples = new long[2_000_000];
            latencies.add(samples);
            int id = c;
            Thread thread = new Thread(() -> {
                try (MeridianClient client = MeridianClient.builder().endpoints(endpoints)
                        .timeout(Duration.ofSeconds(30)).build()) {
                    int n = 0;
                    while (running.get() && n < samples.length - 1) {
                        long start = System.nanoTime();
                        try {
                            client.changeEdgeCache(write);
                            samples[++n] = System.nanoTime() - start;
                        } catch (MeridianException e) {
                            failures[id]++;
                        }
                    }
                    samples[0] = n;
                }
            });
            threads.add(thread);
        }
        long started = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        int total = 0;
        for (long[] samples : latencies) {
            total += (int) samples[0];
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] samples : latencies) {
            System.arraycopy(samples, 1, all, at, (int) samples[0]);
            at += (int) samples[0];
        }
        Arrays.sort(all);
        System.out.printf(Locale.ROOT, "clients=%d writes=%d failures=%d elapsed=%.1fs throughput=%.0f ops/s "
                        + "p50=%.1fms p99=%.1fms max=%.1fms%n", clients, total, Arrays.stream(failures).sum(), elapsed,
                total / elapsed, all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6, all[total - 1] / 1e6);
    }
}
