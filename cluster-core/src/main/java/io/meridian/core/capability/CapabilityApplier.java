package io.meridian.core.capability;

import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;

import com.google.protobuf.ByteString;
import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.CapabilityAdvertisement;
import java.util.Optional;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * Applies capability advertisements and keeps the negotiated values in step with membership:
 * the topology applier calls {@link #renegotiate} and {@link #forget} when nodes join, leave or
 * are decommissioned. Every change of a cluster value is recorded.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class CapabilityApplier {

    /** Largest encoded advertisement. */
    public static final int MAX_ADVERTISEMENT_BYTES = 64 * 1024;

    private CapabilityApplier() {
    }

    public static Optional<Rejection> validate(CapabilityAdvertisement advertisement) {
        return Validation.nodeId("advertising node", advertisement.getNodeId())
                .or(() -> validateAdvertisement(advertisement.getNodeId(), advertisement.getAdvertisement()));
    }

    /** Checks that the bytes decode and carry Meridian's integer values. */
    public static Optional<Rejection> validateAdvertisement(String nodeId, ByteString bytes) {
        if (bytes.size() > MAX_ADVERTISEMENT_BYTES) {
            return Validation.invalid("capability advertisement of %s is %d bytes; at most %d are allowed", nodeId,
                    bytes.size(), MAX_ADVERTISEMENT_BYTES);
        }
        try {
            CapabilityAd.decode(bytes.toByteArray()).integerValues();
            return Rejection.none();
        } catch (CapabilityCodecException e) {
            return Validation.invalid("capabilities of %s: %s", nodeId, e.getMessage());
        }
    }

    /** The advertised values; the bytes were validated. */
    public static TreePMap<String, TreePSet<Long>> decodeValidated(ByteString bytes) {
        try {
            return CapabilityAd.decode(bytes.toByteArray()).integerValues();
        } catch (CapabilityCodecException e) {
            throw new IllegalStateException("a validated advertisement failed to decode", e);
        }
    }

    public static Optional<Rejection> apply(Tx tx, CapabilityAdvertisement advertisement) {
        String nodeId = advertisement.getNodeId();
        Optional<Node> node = tx.topology().node(nodeId);
        if (node.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        if (node.get().state() == NodeState.DECOMMISSIONED) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is DECOMMISSIONED; it advertises nothing",
                    nodeId);
        }
        advertise(tx, nodeId, decodeValidated(advertisement.getAdvertisement()));
        return Rejection.none();
    }

    /** Replaces a node's advertisement and renegotiates. */
    public static void advertise(Tx tx, String nodeId, TreePMap<String, TreePSet<Long>> values) {
        CapabilitiesImage before = tx.capabilities();
        tx.capabilities(before.withAdvertisement(tx.topology(), nodeId, values));
        tx.changed(Area.CAPABILITY, "node " + nodeId, "advertised %s", describe(values));
        recordChanges(tx, before);
    }

    /** Renegotiates after a change of membership. */
    public static void renegotiate(Tx tx) {
        CapabilitiesImage before = tx.capabilities();
        tx.capabilities(before.renegotiated(tx.topology()));
        recordChanges(tx, before);
    }

    /** Drops a node's advertisement when it leaves, and renegotiates. */
    public static void forget(Tx tx, String nodeId) {
        CapabilitiesImage before = tx.capabilities();
        tx.capabilities(before.without(tx.topology(), nodeId));
        recordChanges(tx, before);
    }

    private static void recordChanges(Tx tx, CapabilitiesImage before) {
        tx.capabilities().negotiated().forEach((name, now) -> {
            NegotiatedCapability was = before.negotiated().get(name);
            if (was == null || was.value() != now.value()) {
                tx.changed(Area.CAPABILITY, name, "cluster value %s -> %d", was == null ? "none" : was.value(),
                        now.value());
            }
        });
    }

    private static String describe(TreePMap<String, TreePSet<Long>> values) {
        if (values.isEmpty()) {
            return "no capabilities";
        }
        StringBuilder out = new StringBuilder();
        values.forEach((name, supported) -> {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(name).append('=').append(supported);
        });
        return out.toString();
    }
}
