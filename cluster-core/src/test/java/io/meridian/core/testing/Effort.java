package io.meridian.core.testing;

/**
 * How hard property and fuzz tests try. A normal build runs each with its own number of examples;
 * the {@code slow} Maven profile multiplies them (system property {@code meridian.effort}).
 */
public final class Effort {

    private static final int MULTIPLIER = multiplier();

    private Effort() {
    }

    /** The examples a test runs: its normal count times the effort multiplier. */
    public static int examples(int normal) {
        return Math.multiplyExact(normal, MULTIPLIER);
    }

    private static int multiplier() {
        String value = System.getProperty("meridian.effort", "1").trim();
        try {
            int parsed = value.isEmpty() ? 1 : Integer.parseInt(value);
            if (parsed < 1) {
                throw new IllegalArgumentException("meridian.effort must be at least 1, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("meridian.effort must be a whole number, got '" + value + "'", e);
        }
    }
}
