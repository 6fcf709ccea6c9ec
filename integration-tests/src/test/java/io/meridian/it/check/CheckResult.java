package io.meridian.it.check;

import java.util.List;
import java.util.Objects;

/**
 * A checker's verdict on a history, the violations behind an INVALID verdict, and a one-line
 * summary for logs. An immutable value.
 *
 * <p>UNKNOWN means the checker gave up (its time budget ran out) and proves nothing: callers
 * must treat it as a failure ("not checked"), never as a pass, which is why {@link #valid()}
 * is true for VALID alone.
 */
public record CheckResult(Verdict verdict, List<Violation> violations, String summary) {

    public enum Verdict { VALID, INVALID, UNKNOWN }

    public CheckResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(summary, "summary");
        violations = List.copyOf(violations);
        // A verdict and its evidence must agree, or a caller reading only one of them is misled.
        if ((verdict == Verdict.INVALID) == violations.isEmpty()) {
            throw new IllegalArgumentException(verdict + " with " + violations.size() + " violations: " + summary);
        }
    }

    public boolean valid() {
        return verdict == Verdict.VALID;
    }

    /** The summary followed by every violation, one a line: what a failed test should print. */
    public String report() {
        StringBuilder out = new StringBuilder(summary);
        for (Violation violation : violations) {
            out.append(System.lineSeparator()).append("  ").append(violation);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return report();
    }
}
