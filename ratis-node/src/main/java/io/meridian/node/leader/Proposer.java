package io.meridian.node.leader;

import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;

/**
 * How a leader service puts an entry in the log (a scheduler action, a liveness verdict):
 * submitted, and waited for until applied or refused.
 */
@FunctionalInterface
public interface Proposer {
    EntryOutcome propose(MetadataEntry entry) throws WriteFailure, InterruptedException;
}
