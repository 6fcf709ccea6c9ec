package io.meridian.it.check;

import java.util.Objects;

/**
 * One append of a unique value to the checked list, as a client saw it: when it was invoked,
 * when its result came back (System.nanoTime in the test JVM) and what that result was. An
 * immutable value.
 */
public record ListAppend(int client, String value, long invokeNanos, long completeNanos, Result result) {

    public ListAppend {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(result, "result");
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("append " + value + " completed at " + completeNanos
                    + " before it was invoked at " + invokeNanos);
        }
    }

    /** The last moment it can take effect: never for a FAIL, whenever for an INFO. */
    long latestNanos() {
        return result == Result.OK ? completeNanos : Long.MAX_VALUE;
    }

    /** How violation messages name it, e.g. {@code append "a" by client 2 [invoked 10, completed 20, OK]}. */
    String describe() {
        return "append \"" + value + "\" by client " + client + " [invoked " + invokeNanos
                + (result == Result.INFO ? ", outcome unknown (INFO)]" : ", completed " + completeNanos + ", " + result + "]");
    }
}
