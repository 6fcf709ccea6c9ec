package io.meridian.core.catalog;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.proto.CatalogDdl;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies catalog DDL: asks the embedding database's {@link CatalogHandler}, then appends the
 * payload under the next catalog version.
 *
 * <p>Thread-safe if its handler is.
 */
public final class CatalogApplier {

    /** Largest DDL payload. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    private final CatalogHandler handler;

    public CatalogApplier(CatalogHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    public static Optional<Rejection> validate(CatalogDdl ddl) {
        if (ddl.getPayload().isEmpty()) {
            return Validation.invalid("catalog DDL has an empty payload");
        }
        if (ddl.getPayload().size() > MAX_PAYLOAD_BYTES) {
            return Validation.invalid("catalog DDL is %d bytes; at most %d are allowed", ddl.getPayload().size(),
                    MAX_PAYLOAD_BYTES);
        }
        return Validation.text("catalog DDL description", ddl.getDescription());
    }

    public Optional<Rejection> apply(Tx tx, CatalogDdl ddl) {
        CatalogImage catalog = tx.catalog();
        Optional<String> refused = handler.check(catalog, ddl.getPayload());
        if (refused.isPresent()) {
            return Validation.invalid("catalog DDL refused by the catalog handler: %s", refused.get());
        }
        long version = catalog.version() + 1;
        tx.catalog(catalog.with(new CatalogEntry(version, tx.index(), ddl.getPayload(), ddl.getDescription())));
        tx.changed(Area.CATALOG, "catalog", "version %d: %d-byte DDL%s", version, ddl.getPayload().size(),
                ddl.getDescription().isEmpty() ? "" : " (" + ddl.getDescription() + ")");
        return Rejection.none();
    }
}
