package io.meridian.core.apply;

import io.meridian.core.MetadataImage;
import java.util.Objects;

/**
 * The image after an entry, and what the entry did. A rejected entry's image differs from the one
 * before only in its provenance (the index and logical time move on), its client session's record
 * and, for an entry with a caller, the audit trail's new record; a skipped entry's image is the one
 * before.
 */
public record ApplyResult(MetadataImage image, Outcome outcome) {

    public ApplyResult {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(outcome, "outcome");
    }

    public boolean applied() {
        return outcome instanceof Outcome.Applied;
    }

    public boolean rejected() {
        return outcome instanceof Outcome.Rejected;
    }
}
