package io.meridian.core.catalog;

import com.google.protobuf.ByteString;
import java.util.Optional;

/**
 * The embedding database's judge of its own DDL, plugged into the applier. It runs inside apply,
 * so it must be deterministic: its answer may depend only on the catalog and the payload, never on
 * a clock, randomness, files or the node it runs on.
 */
@FunctionalInterface
public interface CatalogHandler {

    /** Accepts every payload: Meridian alone cannot read the embedding database's DDL. */
    CatalogHandler ACCEPT_ALL = (catalog, payload) -> Optional.empty();

    /** Why this DDL must be refused (an INVALID_ARGUMENT rejection), or empty to apply it. */
    Optional<String> check(CatalogImage catalog, ByteString payload);
}
