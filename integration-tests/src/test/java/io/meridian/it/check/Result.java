package io.meridian.it.check;

/**
 * How an operation in a recorded history ended, as the client saw it. An immutable enum, so
 * safe to share between threads.
 */
public enum Result {
    /** The cluster acknowledged it; for a read, it returned a value. */
    OK,
    /** It definitely did not take effect; the checkers drop it. */
    FAIL,
    /**
     * Its outcome is unknown (timed out, connection lost): it may take effect at any time after
     * its invoke, or never, so the checkers treat its completion as infinitely late.
     */
    INFO
}
