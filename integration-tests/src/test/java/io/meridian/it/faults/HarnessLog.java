package io.meridian.it.faults;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The harness's own log: one timestamped line per action on stdout, so a failed run reads as a
 * timeline next to the nodes' logs (which use the same wall-clock format).
 *
 * <p>Thread-safe.
 */
final class HarnessLog {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private HarnessLog() {
    }

    static void log(String format, Object... args) {
        System.out.println(LocalTime.now().format(TIME) + " [faults] " + String.format(format, args));
    }

    /** Milliseconds between two System.nanoTime readings. */
    static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }
}
