package io.meridian.it.check;

import java.util.Objects;

/**
 * One write or read of a named register (e.g. a scheduler parameter), as a client saw it. For a
 * write, value is what it wrote; for a read, what it returned. A null value means "no value"
 * (the key absent), so a read of a key that was never set matches an initial value of null. An
 * immutable value.
 */
public record RegisterOp(int client, String key, Kind kind, String value, long invokeNanos, long completeNanos, Result result) {

    public enum Kind { WRITE, READ }

    public RegisterOp {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(result, "result");
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException(kind + " of " + key + " by client " + client + " completed at "
                    + completeNanos + " before it was invoked at " + invokeNanos);
        }
    }

    static String quote(String value) {
        return value == null ? "<none>" : "\"" + value + "\"";
    }

    /** How violation messages name it, e.g. {@code client 2 read x = "a" [invoked 10, completed 20, OK]}. */
    String describe() {
        return "client " + client + " " + (kind == Kind.WRITE ? "write " : "read ") + key + " = " + quote(value)
                + " [invoked " + invokeNanos
                + (result == Result.INFO ? ", outcome unknown (INFO)]" : ", completed " + completeNanos + ", " + result + "]");
    }
}
