package io.meridian.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: N clients, each with its own connection, each issuing one write and waiting
 * for its answer before the next. Latencies are recorded only in the measured window, after a
 * warm-up; throughput is the writes completed in that window over its length.
 */
final class Load {

    /** One client's connection: a blocking write. */
    interface Client extends AutoCloseable {
        void write(long sequence) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Opens client number {@code index}. */
    interface Clients {
        Client open(int index) throws Exception;
    }

    /**
     * What one load level gave.
     *
     * @param clients concurrent clients
     * @param writes writes completed in the measured window
     * @param failures writes that failed in the measured window
     * @param seconds the measured window
     * @param firstFailure the first failure's message, or empty
     */
    record Result(int clients, long writes, long failures, double seconds, double opsPerSecond, double p50Ms,
            double p99Ms, double maxMs, String firstFailure) {
    }

    private Load() {
    }

    static Result run(int clients, Duration warmup, Duration measure, Clients factory) throws Exception {
        List<Client> opened = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                opened.add(factory.open(i));
            }
            return drive(opened, warmup, measure);
        } finally {
            for (Client client : opened) {
                try {
                    client.close();
                } catch (Exception e) {
                    // The run's figures are taken; a client that does not close cleanly changes none.
                }
            }
        }
    }

    private static Result drive(List<Client> clients, Duration warmup, Duration measure) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong failures = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>("");
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long measureTo = measureFrom + measure.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            Client client = clients.get(c);
            Thread thread = new Thread(() -> {
                long sequence = 0;
                while (true) {
                    long began = System.nanoTime();
                    if (began >= measureTo) {
                        return;
                    }
                    boolean ok;
                    try {
                        client.write(sequence++);
                        ok = true;
                    } catch (Exception e) {
                        ok = false;
                        if (began >= measureFrom) {
                            failures.incrementAndGet();
                            firstFailure.compareAndSet("", String.valueOf(e));
                        }
                    }
                    long ended = System.nanoTime();
                    if (ok && began >= measureFrom && ended <= measureTo) {
                        recorder.recordValue(Math.min(ended - began, TimeUnit.SECONDS.toNanos(60)));
                    }
                }
            }, "load-" + c);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        Histogram histogram = recorder.getIntervalHistogram();
        double seconds = measure.toNanos() / 1e9;
        long writes = histogram.getTotalCount();
        return new Result(clients.size(), writes, failures.get(), seconds, writes / seconds,
                millis(histogram.getValueAtPercentile(50)), millis(histogram.getValueAtPercentile(99)),
                millis(histogram.getMaxValue()), firstFailure.get());
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
