package io.meridian.core.apply;

import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.core.access.AccessApplier;
import io.meridian.core.capability.CapabilityApplier;
import io.meridian.core.catalog.CatalogApplier;
import io.meridian.core.edgecache.EdgeCacheApplier;
import io.meridian.core.ghost.GhostApplier;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.core.placement.PlacementApplier;
import io.meridian.core.placement.SchedulerConfigApplier;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.token.JoinTokenApplier;
import io.meridian.core.topology.TopologyApplier;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Caller;
import io.meridian.proto.MetadataEntry;
import java.util.Optional;

/**
 * The checks of an entry that need no state: ids, addresses, labels, sizes, CRC32C, enum values,
 * batch shape. The leader runs them before an entry enters the log, so garbage never does; the
 * applier runs them again, so an entry is judged the same wherever it came from.
 *
 * <p>Stateless and thread-safe.
 */
public final class EntryValidator {

    /** Most entries in one batch. */
    public static final int MAX_BATCH_ENTRIES = 1024;

    private EntryValidator() {
    }

    public static Optional<Rejection> validate(MetadataEntry entry) {
        return validate(entry, false);
    }

    private static Optional<Rejection> validate(MetadataEntry entry, boolean inBatch) {
        if (entry.getProposedAtMs() < 0) {
            return Validation.invalid("proposed_at_ms %s is not a time",
                    Long.toUnsignedString(entry.getProposedAtMs()));
        }
        if (hasUnknownFields(entry)) {
            return Validation.invalid("entry carries fields this version of Meridian does not know "
                    + "(written by a newer version?)");
        }
        if (entry.hasCaller()) {
            Optional<Rejection> bad = inBatch
                    ? Validation.invalid("a caller is named on the batch, never on the entries inside it")
                    : validateCaller(entry.getCaller());
            if (bad.isPresent()) {
                return bad;
            }
        }
        return switch (entry.getKindCase()) {
            case TOPOLOGY -> TopologyApplier.validate(entry.getTopology());
            case ROUTING -> RoutingApplier.validate(entry.getRouting());
            case PLACEMENT -> PlacementApplier.validate(entry.getPlacement());
            case MIGRATION_CHECKPOINT -> MigrationApplier.validateCheckpoint(entry.getMigrationCheckpoint());
            case MIGRATION_ABORT -> MigrationApplier.validateAbort(entry.getMigrationAbort());
            case JOIN_TOKEN -> JoinTokenApplier.validate(entry.getJoinToken());
            case GHOST -> GhostApplier.validate(entry.getGhost());
            case EDGE_CACHE -> EdgeCacheApplier.validate(entry.getEdgeCache());
            case CAPABILITY_ADVERTISEMENT -> CapabilityApplier.validate(entry.getCapabilityAdvertisement());
            case SCHEDULER_CONTROL -> SchedulerConfigApplier.validate(entry.getSchedulerControl());
            case CATALOG_DDL -> CatalogApplier.validate(entry.getCatalogDdl());
            case ACCESS -> AccessApplier.validate(entry.getAccess());
            case BATCH -> {
                if (inBatch) {
                    yield Validation.invalid("a batch cannot hold another batch");
                }
                int count = entry.getBatch().getEntriesCount();
                if (count < 1 || count > MAX_BATCH_ENTRIES) {
                    yield Validation.invalid("a batch holds 1-%d entries, got %d", MAX_BATCH_ENTRIES, count);
                }
                for (int i = 0; i < count; i++) {
                    Optional<Rejection> bad = validate(entry.getBatch().getEntries(i), true);
                    if (bad.isPresent()) {
                        yield Optional.of(bad.get().inBatch(i, count));
                    }
                }
                yield Rejection.none();
            }
            case KIND_NOT_SET -> Validation.invalid("entry names no kind of change");
        };
    }

    /** The caller a node stamped on an entry: an identity, and a role its certificate names or none. */
    private static Optional<Rejection> validateCaller(Caller caller) {
        return Validation.identity("caller identity", caller.getIdentity())
                .or(() -> caller.getCertificateRole() != AccessRole.UNRECOGNIZED ? Rejection.none()
                        : Validation.invalid("caller %s has certificate role %d, which is not a role",
                                Validation.printable(caller.getIdentity()), caller.getCertificateRoleValue()));
    }

    /**
     * The check of checksums that apply makes on every committed entry, whatever release wrote it:
     * each migration checkpoint's CRC32C must match its payload. A mismatch in a committed entry is
     * corruption (the leader checked it before the log).
     */
    public static Optional<Rejection> checksums(MetadataEntry entry) {
        if (entry.hasBatch()) {
            for (MetadataEntry inner : entry.getBatch().getEntriesList()) {
                Optional<Rejection> bad = checksums(inner);
                if (bad.isPresent()) {
                    return bad;
                }
            }
            return Rejection.none();
        }
        return entry.hasMigrationCheckpoint() ? MigrationApplier.checksum(entry.getMigrationCheckpoint())
                : Rejection.none();
    }

    /**
     * Whether the entry or the message of its kind carries fields this version does not know: a
     * kind or a variant added by a newer version of the catalogue.
     */
    static boolean hasUnknownFields(MetadataEntry entry) {
        return hasUnknownFields(entry.getUnknownFields()) || hasUnknownFields(kindMessage(entry).getUnknownFields())
                || (entry.hasCaller() && hasUnknownFields(entry.getCaller().getUnknownFields()));
    }

    /** Whether the set holds any field; without asMap(), which copies the set on every call. */
    private static boolean hasUnknownFields(UnknownFieldSet fields) {
        return !fields.equals(UnknownFieldSet.getDefaultInstance());
    }

    private static Message kindMessage(MetadataEntry entry) {
        return switch (entry.getKindCase()) {
            case TOPOLOGY -> entry.getTopology();
            case ROUTING -> entry.getRouting();
            case PLACEMENT -> entry.getPlacement();
            case MIGRATION_CHECKPOINT -> entry.getMigrationCheckpoint();
            case MIGRATION_ABORT -> entry.getMigrationAbort();
            case JOIN_TOKEN -> entry.getJoinToken();
            case GHOST -> entry.getGhost();
            case EDGE_CACHE -> entry.getEdgeCache();
            case CAPABILITY_ADVERTISEMENT -> entry.getCapabilityAdvertisement();
            case SCHEDULER_CONTROL -> entry.getSchedulerControl();
            case CATALOG_DDL -> entry.getCatalogDdl();
            case ACCESS -> entry.getAccess();
            case BATCH -> entry.getBatch();
            case KIND_NOT_SET -> entry;
        };
    }
}
