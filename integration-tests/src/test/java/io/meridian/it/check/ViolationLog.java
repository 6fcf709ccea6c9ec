package io.meridian.it.check;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects a checker's violations, keeping the first {@value #LISTED_PER_KIND} of each kind
 * (one broken history can yield thousands of the same finding, which would bury the others)
 * while counting all of them. Used by one check on one thread; not thread-safe.
 */
final class ViolationLog {

    static final int LISTED_PER_KIND = 20;

    private final List<Violation> listed = new ArrayList<>();
    private final Map<Violation.Kind, Integer> counts = new EnumMap<>(Violation.Kind.class);

    void add(Violation.Kind kind, String message) {
        int count = counts.merge(kind, 1, Integer::sum);
        if (count <= LISTED_PER_KIND) {
            listed.add(new Violation(kind, message));
        }
    }

    boolean isEmpty() {
        return counts.isEmpty();
    }

    int count(Violation.Kind kind) {
        return counts.getOrDefault(kind, 0);
    }

    /** The listed violations, then one line per kind saying how many more were left out. */
    List<Violation> violations() {
        List<Violation> all = new ArrayList<>(listed);
        counts.forEach((kind, count) -> {
            if (count > LISTED_PER_KIND) {
                all.add(new Violation(kind, (count - LISTED_PER_KIND) + " more " + kind + " violations not listed"));
            }
        });
        return all;
    }

    /** Counts by kind, in the enum's order, e.g. "LOST 2, STALE_READ 1". */
    String countsByKind() {
        StringBuilder out = new StringBuilder();
        counts.forEach((kind, count) -> out.append(out.length() == 0 ? "" : ", ").append(kind).append(' ').append(count));
        return out.toString();
    }
}
