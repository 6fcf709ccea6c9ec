package io.meridian.node.raft;

import io.meridian.core.Rejection;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a write did not give an applied outcome: the leader refused it before the log (a
 * rejection: nothing changed), the metadata group could not take it (nothing changed), or no
 * answer came in time (the outcome is unknown: the entry may still be applied).
 */
public final class WriteFailure extends Exception {

    private static final long serialVersionUID = 1L;

    /** The three ways a write fails. */
    public enum Kind {
        /** Refused before the log; the rejection says why. Nothing changed. */
        REFUSED,
        /** Not taken (no quorum to take it, too many writes pending); nothing changed. */
        NOT_TAKEN,
        /** No answer in time; the entry may have been appended and may yet be applied. */
        OUTCOME_UNKNOWN
    }

    private final Kind kind;
    private final transient Rejection rejection;

    private WriteFailure(Kind kind, String message, Rejection rejection, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.rejection = rejection;
    }

    public static WriteFailure refused(Rejection rejection) {
        return new WriteFailure(Kind.REFUSED, rejection.toString(), rejection, null);
    }

    public static WriteFailure notTaken(String message, Throwable cause) {
        return new WriteFailure(Kind.NOT_TAKEN, message, null, cause);
    }

    public static WriteFailure outcomeUnknown(String message, Throwable cause) {
        return new WriteFailure(Kind.OUTCOME_UNKNOWN, message, null, cause);
    }

    public Kind kind() {
        return kind;
    }

    public Optional<Rejection> rejection() {
        return Optional.ofNullable(rejection);
    }
}
