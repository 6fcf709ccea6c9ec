package io.meridian.node.statemachine;

import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.proto.MetadataEntry;
import java.util.Optional;

/**
 * A check the leader makes before an entry enters the log, on what only the leader knows at that
 * moment (which members answer it), as opposed to the state every replica applies.
 */
@FunctionalInterface
public interface EntryGuard {

    /** A refusal, or none to let the entry into the log. */
    Optional<Rejection> check(MetadataImage image, MetadataEntry entry);

    EntryGuard NONE = (image, entry) -> Optional.empty();
}
