package io.meridian.core.capability;

import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;

import io.meridian.core.Rejection;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.TopologyImage;
import io.meridian.proto.Batch;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.TopologyChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pcollections.TreePSet;

/**
 * Keeps an entry out of the log until every member can apply it: each kind of entry needs a
 * minimum cluster value of a capability, and the leader refuses an entry whose capability the
 * cluster has not negotiated that high yet, naming the members that hold it back. Old replicas
 * never meet an entry they cannot read.
 *
 * <p>Every kind in the catalogue needs {@code meridian.entry-format} 1, the floor, except what a
 * later version introduced, stated in {@link #requirement}: entry-format 2 added the promotion
 * criteria of {@code ConfigureMembership}, entry-format 3 group leadership moves in placement
 * commands and ghost stubs reported at migration cutover. A replica applying such an entry while the cluster is
 * below the version ignores what the version added, as an older replica would, so replicas of
 * both versions stay identical even when an entry slips in as the cluster's value drops.
 *
 * <p>Entry-format 4 is not refused but adapted ({@link #adapt}): below it the leader leaves the
 * request identity out of the entry (it is applied without the exactly-once table) and turns a
 * token's time to live into an expiry time from its own stamp, as entry-format 3 had it. So is the
 * caller of entry-format 6: below it the leader leaves it out, and the entry is applied unchecked.
 * Access changes themselves need entry-format 6 ({@link #TRUST}).
 *
 * <p>Stateless and thread-safe.
 */
public final class CapabilityGate {

    /** The capability value an entry needs, and the feature that needs it, for messages. */
    public record Requirement(String capability, long minimum, String feature) {
    }

    /** What ConfigureMembership's promotion criteria need. */
    public static final Requirement PROMOTION_CRITERIA = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 2,
            "promotion criteria in the voter policy");
    /** What the scheduler's execution added: leadership moves in placement commands, ghosts at cutover. */
    public static final Requirement SCHEDULER_EXECUTION = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 3,
            "group leadership moves in placement commands and ghost stubs at migration cutover");
    /** What request identities and token lifetimes resolved at apply need. */
    public static final Requirement EXACTLY_ONCE = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 4,
            "request identities and token lifetimes resolved at apply");
    /**
     * What repair, liveness and replication need: node health and demotion, group replica counts,
     * repair transfers, forced member removal, aborts that keep routing and the scheduler parameters
     * of entry-format 5; and
     * the entry format stamped on every entry, which apply rules added from then on are keyed on.
     */
    public static final Requirement REPAIR = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 5,
            "node health, replica counts and repairs");
    /**
     * What access control needs: access changes (refused before the log below it), and the caller
     * stamped on an entry, checked against the access bindings at apply and recorded in the audit
     * trail (left out of the entry below it, so an older replica never meets the field).
     */
    public static final Requirement TRUST = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 6,
            "access bindings, callers checked at apply and the audit trail");
    private static final Requirement FLOOR = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 1,
            "the entry catalogue");

    private CapabilityGate() {
    }

    /** What the entry needs; for a batch, the highest need of its entries. */
    public static Requirement requirement(MetadataEntry entry) {
        return switch (entry.getKindCase()) {
            case TOPOLOGY -> {
                TopologyChange change = entry.getTopology();
                if (change.hasMarkHealth() || change.hasDemote()) {
                    yield REPAIR;
                }
                yield change.hasConfigureMembership() && hasPromotionCriteria(change.getConfigureMembership())
                        ? PROMOTION_CRITERIA : FLOOR;
            }
            case PLACEMENT -> entry.getPlacement().hasTransfer() && entry.getPlacement().getTransfer().getRepair()
                    ? REPAIR : entry.getPlacement().hasLead() ? SCHEDULER_EXECUTION : FLOOR;
            case MIGRATION_CHECKPOINT -> entry.getMigrationCheckpoint().getMovedCount() > 0 ? SCHEDULER_EXECUTION
                    : FLOOR;
            case ROUTING -> needsRepair(entry.getRouting()) ? REPAIR : FLOOR;
            case SCHEDULER_CONTROL -> entry.getSchedulerControl().hasSet() && SchedulerParameter.forKey(
                    entry.getSchedulerControl().getSet().getKey()).map(p -> p.sinceEntryFormat() >= 5).orElse(false)
                    ? REPAIR : FLOOR;
            // Compensations are routing changes: an older replica reads a new one as naming no change.
            case MIGRATION_ABORT -> entry.getMigrationAbort().getKeepRouting()
                    || entry.getMigrationAbort().getCompensationsList().stream().anyMatch(CapabilityGate::needsRepair)
                    ? REPAIR : FLOOR;
            case ACCESS -> TRUST;
            case JOIN_TOKEN, GHOST, EDGE_CACHE, CAPABILITY_ADVERTISEMENT, CATALOG_DDL,
                    KIND_NOT_SET -> FLOOR;
            case BATCH -> {
                Requirement highest = FLOOR;
                for (MetadataEntry inner : entry.getBatch().getEntriesList()) {
                    Requirement need = requirement(inner);
                    if (need.minimum() > highest.minimum()) {
                        highest = need;
                    }
                }
                yield highest;
            }
        };
    }

    /** Whether a routing change is one entry-format 5 added: a replica count, a forced removal. */
    private static boolean needsRepair(RoutingChange change) {
        return change.hasSetReplicas() || change.hasRemoveMember() && change.getRemoveMember().getForce();
    }

    public static boolean hasPromotionCriteria(ConfigureMembership configure) {
        return configure.hasPromoteLagEntries() || configure.hasPromoteAfterMs();
    }

    /** The cluster's value of a capability: negotiated, else the floor. */
    public static long value(CapabilitiesImage capabilities, String capability) {
        return capabilities.negotiated(capability).map(NegotiatedCapability::value)
                .orElse(CapabilityCatalog.floor(capability));
    }

    /** Whether the cluster's value meets a requirement. */
    public static boolean allows(CapabilitiesImage capabilities, Requirement need) {
        return value(capabilities, need.capability()) >= need.minimum();
    }

    /**
     * The entry as a cluster with these capabilities applies it, stamped by the leader at
     * {@code stampedAtMs}: from entry-format 5 with the cluster's entry format stamped on it (below,
     * with none, whatever the proposer wrote); below entry-format 6, without its caller (applied
     * unchecked and unaudited, as the node's own proposals are); below
     * entry-format 4, without its request identity and with each token's time to live turned into
     * an expiry time. Pure; the leader calls it before the log.
     */
    public static MetadataEntry adapt(CapabilitiesImage capabilities, MetadataEntry entry, long stampedAtMs) {
        if (allows(capabilities, TRUST)) {
            return entry.toBuilder().setEntryFormat((int) value(capabilities, TRUST.capability())).build();
        }
        // Below 6 the entry names no caller: a replica of an older release would halt on the field.
        if (allows(capabilities, REPAIR)) {
            return entry.toBuilder().setEntryFormat((int) value(capabilities, REPAIR.capability())).clearCaller()
                    .build();
        }
        // Below 5 the entry carries no format, even one its proposer wrote: it would apply rules the
        // cluster has not reached, and a replica of an older release would halt on the unknown field.
        if (allows(capabilities, EXACTLY_ONCE)) {
            return entry.getEntryFormat() == 0 && !entry.hasCaller() ? entry
                    : entry.toBuilder().clearEntryFormat().clearCaller().build();
        }
        MetadataEntry.Builder adapted = entry.toBuilder().clearRequest().clearEntryFormat().clearCaller();
        if (entry.hasJoinToken()) {
            adapted.setJoinToken(withExpiry(entry.getJoinToken(), stampedAtMs));
        } else if (entry.hasBatch()) {
            Batch.Builder batch = adapted.getBatchBuilder();
            for (int i = 0; i < batch.getEntriesCount(); i++) {
                if (batch.getEntries(i).hasJoinToken()) {
                    batch.setEntries(i, batch.getEntries(i).toBuilder()
                            .setJoinToken(withExpiry(batch.getEntries(i).getJoinToken(), stampedAtMs)));
                }
            }
        }
        return adapted.build();
    }

    private static JoinTokenTransition withExpiry(JoinTokenTransition transition, long stampedAtMs) {
        if (!transition.hasIssued() || transition.getIssued().getTtlMs() == 0) {
            return transition;
        }
        long ttl = transition.getIssued().getTtlMs();
        long expiresAt = stampedAtMs + ttl < stampedAtMs ? Long.MAX_VALUE : stampedAtMs + ttl;
        return transition.toBuilder().setIssued(transition.getIssued().toBuilder().setTtlMs(0)
                .setExpiresAtMs(expiresAt)).build();
    }

    /** Refuses the entry if the cluster has not negotiated what it needs. */
    public static Optional<Rejection> check(TopologyImage topology, CapabilitiesImage capabilities,
            MetadataEntry entry) {
        Requirement need = requirement(entry);
        long value = value(capabilities, need.capability());
        if (value >= need.minimum()) {
            return Rejection.none();
        }
        List<String> holdingBack = new ArrayList<>();
        for (Node node : topology.nodes().values()) {
            if (!node.state().isMember()) {
                continue;
            }
            TreePSet<Long> supported = capabilities.supportedBy(node.id()).get(need.capability());
            if (supported == null || supported.isEmpty() || supported.last() < need.minimum()) {
                holdingBack.add(node.id() + (supported == null ? " (never advertised it)" : " (supports "
                        + supported + ")"));
            }
        }
        return Rejection.reject(REJECT_CAPABILITY_GATED, "%s need %s >= %d; the cluster is at %d, held back "
                + "by %s", need.feature(), need.capability(),
                need.minimum(), value, holdingBack.isEmpty() ? "no member" : String.join(", ", holdingBack));
    }
}
