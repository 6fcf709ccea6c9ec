package io.meridian.it.check;

import java.util.Objects;

/**
 * One way a history breaks linearizability, with a message naming the operations involved
 * (client, value, times). An immutable value.
 */
public record Violation(Kind kind, String message) {

    /** What went wrong; each kind's meaning is in {@link ListChecker} and {@link RegisterChecker}. */
    public enum Kind {
        DUPLICATE, LOST, PHANTOM, FAILED_APPLIED, READ_MISMATCH,
        REORDERED, STALE_READ, FUTURE_READ, READ_BACKWARDS, NOT_LINEARIZABLE
    }

    public Violation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
