package io.meridian.core.catalog;

import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The embedding database's catalog: every DDL applied, by catalog version, and the current
 * version (the number of DDL statements applied).
 *
 * <p>Immutable and thread-safe.
 */
public record CatalogImage(TreePMap<Long, CatalogEntry> entries, long version) {

    public static final CatalogImage EMPTY = new CatalogImage(TreePMap.empty(), 0);

    public CatalogImage {
        Objects.requireNonNull(entries, "entries");
    }

    public Optional<CatalogEntry> entry(long version) {
        return Optional.ofNullable(entries.get(version));
    }

    public CatalogImage with(CatalogEntry entry) {
        return new CatalogImage(entries.plus(entry.version(), entry), Math.max(version, entry.version()));
    }
}
