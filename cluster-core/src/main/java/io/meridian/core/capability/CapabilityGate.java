package io.meridian.core.capability;

import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;

import io.meridian.core.Rejection;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.TopologyImage;
import io.meridian.proto.MetadataEntry;
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
 * <p>Every kind in the catalogue today needs {@code meridian.entry-format} 1, the floor; a kind
 * added later states the version that introduces it in {@link #requirement}.
 *
 * <p>Stateless and thread-safe.
 */
public final class CapabilityGate {

    /** The capability value an entry needs. */
    public record Requirement(String capability, long minimum) {
    }

    private CapabilityGate() {
    }

    /** What the entry needs; for a batch, the highest need of its entries. */
    public static Requirement requirement(MetadataEntry entry) {
        return switch (entry.getKindCase()) {
            case TOPOLOGY, ROUTING, PLACEMENT, MIGRATION_CHECKPOINT, MIGRATION_ABORT, JOIN_TOKEN, GHOST, EDGE_CACHE,
                    CAPABILITY_ADVERTISEMENT, SCHEDULER_CONTROL, CATALOG_DDL, KIND_NOT_SET ->
                    new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 1);
            case BATCH -> {
                Requirement highest = new Requirement(CapabilityCatalog.ENTRY_FORMAT.name(), 1);
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

    /** Refuses the entry if the cluster has not negotiated what it needs. */
    public static Optional<Rejection> check(TopologyImage topology, CapabilitiesImage capabilities,
            MetadataEntry entry) {
        Requirement need = requirement(entry);
        long value = capabilities.negotiated(need.capability())
                .map(NegotiatedCapability::value)
                .orElse(CapabilityCatalog.floor(need.capability()));
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
        return Rejection.reject(REJECT_CAPABILITY_GATED, "%s entries need %s >= %d; the cluster is at %d, held back "
                + "by %s", entry.getKindCase().name().toLowerCase(java.util.Locale.ROOT), need.capability(),
                need.minimum(), value, holdingBack.isEmpty() ? "no member" : String.join(", ", holdingBack));
    }
}
