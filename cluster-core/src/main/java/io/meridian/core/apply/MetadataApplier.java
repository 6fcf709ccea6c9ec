package io.meridian.core.apply;

import io.meridian.core.MetadataImage;
import io.meridian.core.Provenance;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.access.AccessApplier;
import io.meridian.core.access.AccessPolicy;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.capability.CapabilityApplier;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.catalog.CatalogApplier;
import io.meridian.core.catalog.CatalogHandler;
import io.meridian.core.edgecache.EdgeCacheApplier;
import io.meridian.core.ghost.GhostApplier;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.core.placement.PlacementApplier;
import io.meridian.core.placement.SchedulerConfigApplier;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.session.SessionApplier;
import io.meridian.core.session.SessionsImage;
import io.meridian.core.token.JoinTokenApplier;
import io.meridian.core.topology.TopologyApplier;
import io.meridian.proto.Batch;
import io.meridian.proto.Caller;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RequestId;
import java.util.Objects;
import java.util.Optional;

/**
 * The one dispatcher of entries: {@code (image, context, entry) -> (image, outcome)}, a pure
 * function. Every replica applying the same log gets the same images, byte for byte.
 *
 * <ul>
 *   <li>An entry at or below the image's index was applied before: it is skipped.</li>
 *   <li>Logical time becomes max(previous, the entry's stamped time).</li>
 *   <li>Replay trusts the log: the stateless checks of {@link EntryValidator} ran on the leader
 *       before the entry entered the log (see {@link #admit}); apply checks only what no release
 *       may change: that the entry decodes, carries no field this version does not know, and that
 *       its checksums match. Rules that depend on state are the appliers'.</li>
 *   <li>An entry with a request identity goes through its client session first: a request
 *       applied before is answered with its first outcome and changes nothing; a retired one, or
 *       one of an expired session, is refused.</li>
 *   <li>Then an entry admitted at entry-format 6 or later that names a caller is checked against
 *       the access bindings ({@link AccessPolicy#check}): a revoked caller, or one whose role is
 *       below what the entry needs, is refused with PERMISSION_DENIED. The session comes first, so a
 *       copy of a request applied before gets its first outcome even if its caller was revoked since
 *       (it changes nothing either way), and a refusal is itself a first outcome that copies get.
 *       Entries without a caller are the node's own proposals and are not checked.</li>
 *   <li>Then the entry itself: checksums, and its applier.</li>
 *   <li>A rejection anywhere, in a batch too, discards everything the entry did; only the
 *       provenance, the session table and the audit trail move on.</li>
 *   <li>Every entry with a caller (entry-format 6 on) that is applied or refused here appends one
 *       record to the audit trail; a copy answered from the session table appends none.</li>
 * </ul>
 *
 * <p>Thread-safe if its catalog handler is: it holds no state of its own.
 */
public final class MetadataApplier {

    private final CatalogApplier catalog;

    public MetadataApplier() {
        this(CatalogHandler.ACCEPT_ALL);
    }

    public MetadataApplier(CatalogHandler catalogHandler) {
        this.catalog = new CatalogApplier(Objects.requireNonNull(catalogHandler, "catalogHandler"));
    }

    /**
     * The leader's judgement of an entry before it enters the log, on the image it will follow:
     * the stateless checks, the request identity, and the capability gate. Only an entry that
     * passes is appended; apply then trusts it.
     */
    public static Optional<Rejection> admit(MetadataImage image, MetadataEntry entry) {
        return EntryValidator.validate(entry)
                .or(() -> entry.hasRequest() ? SessionApplier.validate(entry.getRequest()).map(bad ->
                        bad.prefixed("request identity")) : Optional.empty())
                .or(() -> CapabilityGate.check(image.topology(), image.capabilities(), entry));
    }

    /**
     * Applies one committed entry.
     *
     * @throws UnsupportedEntryException when the entry carries a kind or fields this version does
     *     not know: the replica must stop rather than diverge
     */
    public ApplyResult apply(MetadataImage image, EntryContext context, MetadataEntry entry) {
        if (context.index() <= image.index()) {
            return new ApplyResult(image, new Outcome.Skipped(image.index()));
        }
        if (EntryValidator.hasUnknownFields(entry)) {
            throw new UnsupportedEntryException("entry at index " + context.index() + " carries an entry kind or "
                    + "fields this version of Meridian does not know; upgrade this node before it applies the log");
        }
        long stamped = Math.max(0, entry.getProposedAtMs());
        Provenance provenance = new Provenance(context.term(), context.index(),
                Math.max(image.logicalTimeMs(), stamped));
        MetadataImage start = image.withProvenance(provenance);
        long now = provenance.logicalTimeMs();
        Optional<Caller> caller = caller(entry);
        Optional<RequestId> request = SessionApplier.identity(entry);
        SessionsImage sessions = start.sessions();
        if (request.isPresent()) {
            SessionApplier.Verdict verdict = SessionApplier.check(sessions, request.get());
            if (verdict instanceof SessionApplier.Repeat repeat) {
                sessions = SessionApplier.touched(sessions, request.get(), now);
                return new ApplyResult(start.withSessions(SessionApplier.expired(sessions, now)),
                        new Outcome.Repeated(repeat.first()));
            }
            if (verdict instanceof SessionApplier.Refused refused) {
                Outcome outcome = new Outcome.Rejected(refused.rejection());
                return new ApplyResult(audited(start, caller, entry, outcome)
                        .withSessions(SessionApplier.expired(sessions, now)), outcome);
            }
        }
        Optional<Rejection> refused = caller.flatMap(c -> AccessPolicy.check(start.access(), c, entry))
                .or(() -> EntryValidator.checksums(entry));
        Outcome outcome;
        MetadataImage after;
        if (refused.isPresent()) {
            outcome = new Outcome.Rejected(refused.get());
            after = start;
        } else {
            Tx tx = new Tx(start, entry.getEntryFormat(), caller.map(Caller::getIdentity).orElse(""));
            Optional<Rejection> rejected = dispatch(tx, entry);
            outcome = rejected.<Outcome>map(Outcome.Rejected::new).orElseGet(() -> new Outcome.Applied(tx.changes()));
            after = rejected.isPresent() ? start : tx.image();
        }
        if (request.isPresent()) {
            sessions = SessionApplier.recorded(sessions, request.get(),
                    Outcomes.recorded(context.term(), context.index(), outcome), now);
        }
        return new ApplyResult(audited(after, caller, entry, outcome)
                .withSessions(SessionApplier.expired(sessions, now)), outcome);
    }

    /**
     * The caller the entry names, when it was admitted at entry-format 6 or later; below, the leader
     * left callers out, and one found anyway is ignored, as the rules of the entry's format say.
     */
    private static Optional<Caller> caller(MetadataEntry entry) {
        return entry.hasCaller() && entry.getEntryFormat() >= CapabilityGate.TRUST.minimum()
                ? Optional.of(entry.getCaller()) : Optional.empty();
    }

    /** The image with the entry's audit record appended, when it names a caller. */
    private static MetadataImage audited(MetadataImage image, Optional<Caller> caller, MetadataEntry entry,
            Outcome outcome) {
        if (caller.isEmpty()) {
            return image;
        }
        String result = outcome instanceof Outcome.Rejected rejected ? rejected.rejection().code().name()
                : AuditTrail.APPLIED;
        return image.withAudit(image.audit().appended(image.index(), image.logicalTimeMs(),
                caller.get().getIdentity(), AuditTrail.operation(entry), result));
    }

    /**
     * Moves the image's provenance to a log entry that carries no metadata (a Raft configuration
     * change, a leader's no-op), so the image index never falls behind the applied index.
     */
    public MetadataImage advance(MetadataImage image, long term, long index) {
        if (index <= image.index()) {
            return image;
        }
        return image.withProvenance(new Provenance(term, index, image.logicalTimeMs()));
    }

    private Optional<Rejection> dispatch(Tx tx, MetadataEntry entry) {
        return switch (entry.getKindCase()) {
            case TOPOLOGY -> TopologyApplier.apply(tx, entry.getTopology());
            case ROUTING -> RoutingApplier.apply(tx, entry.getRouting());
            case PLACEMENT -> PlacementApplier.apply(tx, entry.getPlacement());
            case MIGRATION_CHECKPOINT -> MigrationApplier.checkpoint(tx, entry.getMigrationCheckpoint());
            case MIGRATION_ABORT -> MigrationApplier.abort(tx, entry.getMigrationAbort());
            case JOIN_TOKEN -> JoinTokenApplier.apply(tx, entry.getJoinToken());
            case GHOST -> GhostApplier.apply(tx, entry.getGhost());
            case EDGE_CACHE -> EdgeCacheApplier.apply(tx, entry.getEdgeCache());
            case CAPABILITY_ADVERTISEMENT -> CapabilityApplier.apply(tx, entry.getCapabilityAdvertisement());
            case SCHEDULER_CONTROL -> SchedulerConfigApplier.apply(tx, entry.getSchedulerControl());
            case CATALOG_DDL -> catalog.apply(tx, entry.getCatalogDdl());
            case ACCESS -> AccessApplier.apply(tx, entry.getAccess());
            case BATCH -> applyBatch(tx, entry.getBatch());
            case KIND_NOT_SET -> Validation.invalid("entry names no kind of change");
        };
    }

    /** Applies each entry to the result of the previous one; the first rejection rejects them all. */
    private Optional<Rejection> applyBatch(Tx tx, Batch batch) {
        for (int i = 0; i < batch.getEntriesCount(); i++) {
            Optional<Rejection> rejected = dispatch(tx, batch.getEntries(i));
            if (rejected.isPresent()) {
                return Optional.of(rejected.get().inBatch(i, batch.getEntriesCount()));
            }
        }
        return Rejection.none();
    }
}
