package io.meridian.core.apply;

import io.meridian.core.Change;
import io.meridian.core.Rejection;
import io.meridian.proto.EntryOutcome;
import java.util.List;
import java.util.Objects;

/**
 * What applying one entry did: applied with its changes, rejected with the reason, repeated (a
 * request applied before, answered with its first outcome), or skipped.
 */
public sealed interface Outcome permits Outcome.Applied, Outcome.Rejected, Outcome.Repeated, Outcome.Skipped {

    /** The entry was applied; the changes say what it changed, in order. */
    record Applied(List<Change> changes) implements Outcome {
        public Applied {
            changes = List.copyOf(changes);
        }
    }

    /** The entry was refused and changed nothing. */
    record Rejected(Rejection rejection) implements Outcome {
        public Rejected {
            Objects.requireNonNull(rejection, "rejection");
        }
    }

    /**
     * The entry is another copy of a request its client session had applied before: it changed
     * nothing, and its answer is the first copy's outcome, with that copy's index and term.
     */
    record Repeated(EntryOutcome first) implements Outcome {
        public Repeated {
            Objects.requireNonNull(first, "first");
        }
    }

    /** The entry's index is at or below the applied index: it was applied before, and is ignored. */
    record Skipped(long appliedIndex) implements Outcome {
    }
}
