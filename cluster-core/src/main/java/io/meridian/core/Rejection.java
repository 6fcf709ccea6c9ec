package io.meridian.core;

import io.meridian.proto.RejectCode;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An expected refusal of an entry: a stable code and a message naming the ids involved. A
 * rejected entry changes nothing, and every replica rejects it the same way.
 *
 * <p>Appliers return {@code Optional<Rejection>}: empty when the entry was applied.
 * Immutable and thread-safe.
 */
public record Rejection(RejectCode code, String message, int batchEntry) {

    /** {@link #batchEntry} of a rejection that is not about an entry inside a batch. */
    public static final int NOT_IN_BATCH = -1;

    public Rejection(RejectCode code, String message) {
        this(code, message, NOT_IN_BATCH);
    }

    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        if (code == RejectCode.REJECT_CODE_UNSPECIFIED || code == RejectCode.UNRECOGNIZED) {
            throw new IllegalArgumentException("a rejection needs a real code, got " + code);
        }
    }

    /**
     * A rejection as an applier's result. The message is formatted with {@link Locale#ROOT} when
     * arguments are given; input values go in the arguments, never in the format.
     */
    public static Optional<Rejection> reject(RejectCode code, String format, Object... args) {
        return Optional.of(new Rejection(code, args.length == 0 ? format : String.format(Locale.ROOT, format, args)));
    }

    /** The applier's result when nothing was rejected. */
    public static Optional<Rejection> none() {
        return Optional.empty();
    }

    /** The same rejection with context put in front of its message. */
    public Rejection prefixed(String context) {
        return new Rejection(code, context + ": " + message, batchEntry);
    }

    /** The rejection of the entry at this position of a batch of {@code size} entries. */
    public Rejection inBatch(int position, int size) {
        return new Rejection(code, "batch entry " + position + " of " + size + ": " + message, position);
    }

    @Override
    public String toString() {
        return code.name().substring("REJECT_".length()) + ": " + message;
    }
}
