package io.meridian.node;

import java.util.Objects;

/**
 * A value that must never be printed, such as a join token: its {@link #toString} hides it, so it
 * stays out of logs, error messages and configuration dumps. Only {@link #reveal} gives it.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The value itself, for the one place that sends it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "<secret>";
    }
}
