package io.meridian.core.placement;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The leader's soft view of liveness, as the planner takes it: the nodes it has not heard from for
 * the scheduler's {@code suspect-after} (SUSPECT). DOWN is not here: it is recorded in topology.
 *
 * <p>Immutable and thread-safe.
 */
public record Liveness(SortedSet<String> suspect) {

    public static final Liveness ALL_UP = new Liveness(new TreeSet<>());

    public Liveness {
        Objects.requireNonNull(suspect, "suspect");
        suspect = Collections.unmodifiableSortedSet(new TreeSet<>(suspect));
    }

    public boolean isSuspect(String nodeId) {
        return suspect.contains(nodeId);
    }
}
