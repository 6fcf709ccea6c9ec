package io.meridian.core.apply;

/** A state that breaks one of the rules every image keeps: a bug or corruption, never an expected outcome. */
public final class InvariantViolation extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public InvariantViolation(String message) {
        super(message);
    }
}
