package io.meridian.core.topology;

/**
 * How many voters the metadata group keeps: never fewer than {@code minVoters} by decommission
 * (unless forced), and learners promoted automatically while voters are fewer than
 * {@code targetVoters} (when {@code autoPromote}).
 *
 * <p>Immutable and thread-safe.
 */
public record VoterPolicy(int minVoters, int targetVoters, boolean autoPromote) {

    public static final int DEFAULT_MIN_VOTERS = 3;
    public static final int DEFAULT_TARGET_VOTERS = 3;
    public static final int MAX_VOTERS = 9;
    public static final VoterPolicy DEFAULT =
            new VoterPolicy(DEFAULT_MIN_VOTERS, DEFAULT_TARGET_VOTERS, true);

    public VoterPolicy {
        if (minVoters < 1 || targetVoters < 1 || minVoters > MAX_VOTERS || targetVoters > MAX_VOTERS
                || minVoters > targetVoters) {
            throw new IllegalArgumentException("voter policy out of range: min=" + minVoters
                    + " target=" + targetVoters);
        }
    }
}
