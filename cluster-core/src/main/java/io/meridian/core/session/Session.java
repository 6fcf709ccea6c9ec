package io.meridian.core.session;

import io.meridian.proto.EntryOutcome;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * One client session of the exactly-once table: the outcome of each request the state machine
 * applied that the client may still ask about, and the sequence below which requests are retired
 * (answered or given up on by the client, never to be applied).
 *
 * <p>Immutable and thread-safe.
 *
 * @param lowestUnanswered requests with a lower sequence are retired
 * @param lastActiveMs the logical time of the session's last request
 * @param outcomes the outcome of each applied request at or above {@code lowestUnanswered}, by sequence
 */
public record Session(ClientId id, long lowestUnanswered, long lastActiveMs, TreePMap<Long, EntryOutcome> outcomes) {

    public Session {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcomes, "outcomes");
        if (lowestUnanswered < 1 || lastActiveMs < 0) {
            throw new IllegalArgumentException("session " + id + ": lowest unanswered " + lowestUnanswered
                    + " and last active " + lastActiveMs + " must be positive");
        }
        if (!outcomes.isEmpty() && outcomes.firstKey() < lowestUnanswered) {
            throw new IllegalArgumentException("session " + id + " keeps the outcome of request "
                    + outcomes.firstKey() + ", below its lowest unanswered " + lowestUnanswered);
        }
    }

    public Optional<EntryOutcome> outcome(long sequence) {
        return Optional.ofNullable(outcomes.get(sequence));
    }

    /** Whether requests with this sequence are retired. */
    public boolean retired(long sequence) {
        return sequence < lowestUnanswered;
    }

    /** The session after a request: outcomes below the declared lowest unanswered forgotten. */
    Session answered(long sequence, EntryOutcome outcome, long declaredLowest, long now) {
        TreePMap<Long, EntryOutcome> kept = outcomes.plus(sequence, outcome);
        long lowest = Math.max(lowestUnanswered, declaredLowest);
        kept = kept.tailMap(lowest, true);
        while (kept.size() > SessionsImage.MAX_OUTCOMES_PER_SESSION) {
            lowest = kept.firstKey() + 1;
            kept = kept.minusFirstEntry();
        }
        return new Session(id, lowest, Math.max(lastActiveMs, now), kept);
    }

    /** The session after a repeated request: only its activity moves. */
    Session touched(long now) {
        return new Session(id, lowestUnanswered, Math.max(lastActiveMs, now), outcomes);
    }
}
