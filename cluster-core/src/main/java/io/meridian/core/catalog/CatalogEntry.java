package io.meridian.core.catalog;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One DDL statement of the embedding database, opaque to Meridian, with the catalog version it
 * created and the log index it was applied at.
 *
 * <p>Immutable and thread-safe.
 */
public record CatalogEntry(long version, long appliedIndex, ByteString payload, String description) {

    public CatalogEntry {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(description, "description");
    }
}
