package io.meridian.it;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.client.UnavailableException;
import io.meridian.proto.CatalogDdl;
import java.util.ArrayList;
import java.util.List;

/**
 * A client writing catalog DDL continuously on its own thread, recording every write the cluster
 * acknowledged, every write whose outcome is unknown, and when each acknowledgement came.
 */
final class Writer implements AutoCloseable {

    private final MeridianClient client;
    private final String prefix;
    private final Thread thread;
    private final List<String> acknowledged = new ArrayList<>();
    private final List<long[]> acknowledgedTimes = new ArrayList<>();
    private final List<String> unknown = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private volatile boolean running = true;

    Writer(MeridianClient client, String prefix) {
        this.client = client;
        this.prefix = prefix;
        this.thread = new Thread(this::run, "writer-" + prefix);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        for (int i = 0; running; i++) {
            String payload = prefix + "-" + i;
            long issued = System.nanoTime();
            try {
                client.placement().applyCatalogDdl(CatalogDdl.newBuilder()
                        .setPayload(com.google.protobuf.ByteString.copyFromUtf8(payload)).build());
                synchronized (this) {
                    acknowledged.add(payload);
                    acknowledgedTimes.add(new long[] {issued, System.nanoTime()});
                }
            } catch (UnavailableException e) {
                synchronized (this) {
                    (e.outcomeUnknown() ? unknown : failed).add(payload);
                }
            } catch (MeridianException e) {
                synchronized (this) {
                    failed.add(payload + ": " + e.getMessage());
                }
            }
        }
    }

    synchronized int acknowledgedCount() {
        return acknowledged.size();
    }

    synchronized List<String> acknowledged() {
        return new ArrayList<>(acknowledged);
    }

    synchronized List<String> unknown() {
        return new ArrayList<>(unknown);
    }

    synchronized List<String> failed() {
        return new ArrayList<>(failed);
    }

    /** How long each acknowledged write took, in issue order, in microseconds. */
    synchronized long[] latenciesMicros() {
        return acknowledgedTimes.stream().mapToLong(times -> (times[1] - times[0]) / 1_000).toArray();
    }

    /** p50, p99 and max of the acknowledged writes' latencies, in milliseconds, for reports. */
    String latencySummary() {
        long[] sorted = latenciesMicros();
        java.util.Arrays.sort(sorted);
        if (sorted.length == 0) {
            return "no writes";
        }
        return String.format(java.util.Locale.ROOT, "%d writes, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                sorted.length, sorted[sorted.length / 2] / 1000.0,
                sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1000.0,
                sorted[sorted.length - 1] / 1000.0);
    }

    /** When the first write issued after this instant was acknowledged, or -1. */
    synchronized long firstAcknowledgedIssuedAfter(long nanos) {
        for (long[] times : acknowledgedTimes) {
            if (times[0] > nanos) {
                return times[1];
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(60_000);
    }
}
