package io.meridian.bench;

import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.proto.Batch;
import io.meridian.proto.MetadataEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a benchmark's image by applying entries through the real applier, in batches of the
 * most entries a batch may hold, each batch one log entry as the leader would propose it, with a
 * logical time that advances 10 ms per entry. Refuses to go on when an entry is refused.
 *
 * <p>Not thread-safe: one replay builds one image on one thread.
 */
final class Replay {

    /** The logical time of the first entry: 2026-01-01T00:00:00Z. */
    static final long START_MS = 1_767_225_600_000L;

    private final MetadataApplier applier = new MetadataApplier();
    private final List<MetadataEntry> pending = new ArrayList<>();
    private MetadataImage image = MetadataImage.EMPTY;

    void add(MetadataEntry entry) {
        pending.add(entry);
        if (pending.size() == EntryValidator.MAX_BATCH_ENTRIES) {
            flush();
        }
    }

    /** Applies what is pending; returns the image. */
    MetadataImage flush() {
        if (!pending.isEmpty()) {
            MetadataEntry entry = pending.size() == 1 ? pending.get(0)
                    : MetadataEntry.newBuilder().setBatch(Batch.newBuilder().addAllEntries(pending)).build();
            pending.clear();
            ApplyResult result = applier.apply(image, new EntryContext(1, image.index() + 1),
                    entry.toBuilder().setProposedAtMs(START_MS + image.index() * 10).build());
            if (!result.applied()) {
                throw new IllegalStateException("fixture entry refused: " + result.outcome());
            }
            image = result.image();
        }
        return image;
    }
}
