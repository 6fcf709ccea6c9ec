package io.meridian.core.capability;

import io.meridian.core.topology.Node;
import io.meridian.core.topology.TopologyImage;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * What every node advertised (capability name to supported values, by node id) and the value the
 * cluster negotiated for each capability. The negotiated values are derived: recomputed whenever
 * an advertisement or the membership changes, and on snapshot load.
 *
 * <p>Immutable and thread-safe.
 */
public record CapabilitiesImage(
        TreePMap<String, TreePMap<String, TreePSet<Long>>> advertised,
        TreePMap<String, NegotiatedCapability> negotiated) {

    public static final CapabilitiesImage EMPTY = new CapabilitiesImage(TreePMap.empty(), floors());

    public CapabilitiesImage {
        Objects.requireNonNull(advertised, "advertised");
        Objects.requireNonNull(negotiated, "negotiated");
    }

    public Optional<NegotiatedCapability> negotiated(String name) {
        return Optional.ofNullable(negotiated.get(name));
    }

    /** The values a node supports, by capability name (empty if it never advertised). */
    public TreePMap<String, TreePSet<Long>> supportedBy(String nodeId) {
        return advertised.getOrDefault(nodeId, TreePMap.empty());
    }

    /**
     * Negotiates every capability among the members (nodes not DECOMMISSIONED): the highest value in
     * every member's supported set, else the floor. A member that never advertised a capability
     * supports no value of it, so it holds the capability at its floor.
     */
    public static TreePMap<String, NegotiatedCapability> negotiate(
            TopologyImage topology, TreePMap<String, TreePMap<String, TreePSet<Long>>> advertised) {
        TreeSet<String> names = new TreeSet<>();
        CapabilityCatalog.ALL.forEach(definition -> names.add(definition.name()));
        TreeMap<String, TreeSet<Long>> common = new TreeMap<>();
        boolean first = true;
        for (Node node : topology.nodes().values()) {
            if (!node.state().isMember()) {
                continue;
            }
            TreePMap<String, TreePSet<Long>> supported = advertised.getOrDefault(node.id(), TreePMap.empty());
            names.addAll(supported.keySet());
            if (first) {
                supported.forEach((name, values) -> common.put(name, new TreeSet<>(values)));
                first = false;
            } else {
                common.keySet().retainAll(supported.keySet());
                for (Map.Entry<String, TreeSet<Long>> entry : common.entrySet()) {
                    entry.getValue().retainAll(supported.get(entry.getKey()));
                }
            }
        }
        TreePMap<String, NegotiatedCapability> out = TreePMap.empty();
        for (String name : names) {
            long floor = CapabilityCatalog.floor(name);
            TreeSet<Long> values = common.get(name);
            long value = values == null || values.isEmpty() ? floor : values.last();
            out = out.plus(name, new NegotiatedCapability(name, value, floor));
        }
        return out;
    }

    private static TreePMap<String, NegotiatedCapability> floors() {
        return negotiate(TopologyImage.EMPTY, TreePMap.empty());
    }

    /** The image with the node's advertisement replaced and the values renegotiated. */
    public CapabilitiesImage withAdvertisement(
            TopologyImage topology, String nodeId, TreePMap<String, TreePSet<Long>> values) {
        TreePMap<String, TreePMap<String, TreePSet<Long>>> next = advertised.plus(nodeId, values);
        return new CapabilitiesImage(next, negotiate(topology, next));
    }

    /** The image without the node's advertisement, renegotiated. */
    public CapabilitiesImage without(TopologyImage topology, String nodeId) {
        TreePMap<String, TreePMap<String, TreePSet<Long>>> next = advertised.minus(nodeId);
        return new CapabilitiesImage(next, negotiate(topology, next));
    }

    /** The image renegotiated for a changed membership. */
    public CapabilitiesImage renegotiated(TopologyImage topology) {
        return new CapabilitiesImage(advertised, negotiate(topology, advertised));
    }
}
