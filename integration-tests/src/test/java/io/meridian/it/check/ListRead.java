package io.meridian.it.check;

import java.util.List;
import java.util.Objects;

/**
 * An OK read of the checked list: the list's length at the read, and the values at positions
 * fromPosition+1 .. fromPosition+values.size() (a window, possibly not reaching the end).
 * Positions are 1-based. An immutable value.
 */
public record ListRead(int client, long invokeNanos, long completeNanos, long length, long fromPosition, List<String> values) {

    public ListRead {
        values = List.copyOf(values);
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("read by client " + client + " completed at " + completeNanos
                    + " before it was invoked at " + invokeNanos);
        }
        if (length < 0 || fromPosition < 0) {
            throw new IllegalArgumentException("read by client " + client + " with length " + length
                    + " and window from position " + fromPosition);
        }
    }

    /** The position of the window's last value, or fromPosition if the window is empty. */
    long toPosition() {
        return fromPosition + values.size();
    }

    /** How violation messages name it, e.g. {@code read by client 3 [invoked 10, completed 20] of length 4}. */
    String describe() {
        return "read by client " + client + " [invoked " + invokeNanos + ", completed " + completeNanos
                + "] of length " + length;
    }
}
