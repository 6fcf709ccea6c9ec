package io.meridian.node.api;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Slows down token guessing: a source (client address) whose joins were refused
 * {@link #MAX_FAILURES} times within {@link #WINDOW_MS} is turned away, without its token being
 * looked at, until the oldest of those failures leaves the window. Memory is bounded: the least
 * recently seen sources are forgotten first.
 *
 * <p>Thread-safe.
 */
public final class JoinThrottle {

    public static final int MAX_FAILURES = 10;
    public static final long WINDOW_MS = 60_000;
    private static final int MAX_SOURCES = 10_000;

    private final LongSupplier clockMs;
    private final Map<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    public JoinThrottle(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** How long this source must wait before its next join is looked at; empty when it may try now. */
    public synchronized OptionalLong waitMs(String source) {
        Deque<Long> times = failures.get(source);
        if (times == null) {
            return OptionalLong.empty();
        }
        long now = clockMs.getAsLong();
        while (!times.isEmpty() && now - times.peekFirst() >= WINDOW_MS) {
            times.removeFirst();
        }
        if (times.isEmpty()) {
            failures.remove(source);
            return OptionalLong.empty();
        }
        return times.size() >= MAX_FAILURES ? OptionalLong.of(times.peekFirst() + WINDOW_MS - now)
                : OptionalLong.empty();
    }

    public synchronized void failed(String source) {
        failures.computeIfAbsent(source, key -> new ArrayDeque<>()).addLast(clockMs.getAsLong());
    }

    public synchronized void succeeded(String source) {
        failures.remove(source);
    }
}
