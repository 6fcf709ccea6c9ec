package io.meridian.core.topology;

/**
 * How many voters the metadata group keeps, and when a learner is promoted: never fewer than
 * {@code minVoters} by decommission (unless forced); while voters are fewer than
 * {@code targetVoters} and {@code autoPromote} is on, a learner admitted for the voter role is
 * promoted once its log has stayed within {@code promoteLagEntries} of the leader's commit index
 * for {@code promoteAfterMs}.
 *
 * <p>Immutable and thread-safe.
 */
public record VoterPolicy(int minVoters, int targetVoters, boolean autoPromote, int promoteLagEntries,
        long promoteAfterMs) {

    public static final int DEFAULT_MIN_VOTERS = 3;
    public static final int DEFAULT_TARGET_VOTERS = 3;
    public static final int MAX_VOTERS = 9;
    public static final int DEFAULT_PROMOTE_LAG_ENTRIES = 50;
    public static final int MAX_PROMOTE_LAG_ENTRIES = 100_000;
    public static final long DEFAULT_PROMOTE_AFTER_MS = 5_000;
    public static final long MAX_PROMOTE_AFTER_MS = 3_600_000;
    public static final VoterPolicy DEFAULT = new VoterPolicy(DEFAULT_MIN_VOTERS, DEFAULT_TARGET_VOTERS, true,
            DEFAULT_PROMOTE_LAG_ENTRIES, DEFAULT_PROMOTE_AFTER_MS);

    public VoterPolicy {
        if (minVoters < 1 || targetVoters < 1 || minVoters > MAX_VOTERS || targetVoters > MAX_VOTERS
                || minVoters > targetVoters) {
            throw new IllegalArgumentException("voter policy out of range: min=" + minVoters
                    + " target=" + targetVoters);
        }
        if (promoteLagEntries < 1 || promoteLagEntries > MAX_PROMOTE_LAG_ENTRIES || promoteAfterMs < 0
                || promoteAfterMs > MAX_PROMOTE_AFTER_MS) {
            throw new IllegalArgumentException("promotion criteria out of range: lag=" + promoteLagEntries
                    + " after=" + promoteAfterMs + "ms");
        }
    }

    /** The voter counts, with the promotion criteria kept. */
    public VoterPolicy withVoters(int min, int target, boolean auto) {
        return new VoterPolicy(min, target, auto, promoteLagEntries, promoteAfterMs);
    }

    public VoterPolicy withPromotion(int lagEntries, long afterMs) {
        return new VoterPolicy(minVoters, targetVoters, autoPromote, lagEntries, afterMs);
    }

    /** Whether the promotion criteria are the defaults (snapshots then leave them out). */
    public boolean defaultPromotion() {
        return promoteLagEntries == DEFAULT_PROMOTE_LAG_ENTRIES && promoteAfterMs == DEFAULT_PROMOTE_AFTER_MS;
    }
}
