package io.meridian.core.edgecache;

import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.topology.Node;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.EnableEdgeCache;
import io.meridian.proto.ReportEdgeCacheStats;
import java.util.Optional;

/**
 * Applies edge-cache changes: enable with capacity, disable, and stats reports whose hits and
 * misses really add up. Eligibility also ends when a node starts draining (see the topology
 * applier), through {@link #endEligibility}.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class EdgeCacheApplier {

    public static final int MAX_CPU_CORES = 4096;
    public static final long MAX_MIB = 1L << 40;

    private EdgeCacheApplier() {
    }

    public static Optional<Rejection> validate(EdgeCacheChange change) {
        Optional<Rejection> node = Validation.nodeId("edge-cache node", change.getNodeId());
        if (node.isPresent()) {
            return node;
        }
        return switch (change.getChangeCase()) {
            case ENABLE -> validateEnable(change.getNodeId(), change.getEnable());
            case DISABLE -> Rejection.none();
            case STATS -> {
                ReportEdgeCacheStats stats = change.getStats();
                if (stats.getHits() < 0 || stats.getMisses() < 0) {
                    yield Validation.invalid("stats of %s: deltas above 2^63-1 are not counts", change.getNodeId());
                }
                yield Rejection.none();
            }
            case CHANGE_NOT_SET -> Validation.invalid("edge-cache change names no change");
        };
    }

    private static Optional<Rejection> validateEnable(String nodeId, EnableEdgeCache enable) {
        if (enable.getCpuCores() < 1 || enable.getCpuCores() > MAX_CPU_CORES) {
            return Validation.invalid("edge cache on %s needs 1-%d cpu cores, got %d", nodeId, MAX_CPU_CORES,
                    Integer.toUnsignedLong(enable.getCpuCores()));
        }
        if (enable.getRamMib() < 1 || enable.getRamMib() > MAX_MIB) {
            return Validation.invalid("edge cache on %s needs 1 to %d MiB of RAM, got %s", nodeId, MAX_MIB,
                    Long.toUnsignedString(enable.getRamMib()));
        }
        if (enable.getDiskMib() < 0 || enable.getDiskMib() > MAX_MIB) {
            return Validation.invalid("edge cache on %s takes at most %d MiB of disk, got %s", nodeId, MAX_MIB,
                    Long.toUnsignedString(enable.getDiskMib()));
        }
        return Validation.labelValue("geo", enable.getGeo());
    }

    public static Optional<Rejection> apply(Tx tx, EdgeCacheChange change) {
        return switch (change.getChangeCase()) {
            case ENABLE -> enable(tx, change.getNodeId(), change.getEnable());
            case DISABLE -> disable(tx, change.getNodeId());
            case STATS -> stats(tx, change.getNodeId(), change.getStats());
            case CHANGE_NOT_SET -> Validation.invalid("edge-cache change names no change");
        };
    }

    private static Optional<Rejection> enable(Tx tx, String nodeId, EnableEdgeCache enable) {
        Optional<Node> node = tx.topology().node(nodeId);
        if (node.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        if (!tx.topology().isActive(nodeId)) {
            return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE, "%s is %s; only ACTIVE nodes serve as edge caches",
                    nodeId, node.get().state());
        }
        EdgeCacheCapacity capacity = new EdgeCacheCapacity(enable.getCpuCores(), enable.getRamMib(),
                enable.getDiskMib(), enable.getGeo());
        Optional<EdgeCacheNode> previous = tx.edgeCache().node(nodeId);
        EdgeCacheNode entry = new EdgeCacheNode(nodeId, capacity, tx.now(),
                previous.map(EdgeCacheNode::hits).orElse(0L), previous.map(EdgeCacheNode::misses).orElse(0L));
        tx.edgeCache(tx.edgeCache().with(entry));
        tx.changed(Area.EDGE_CACHE, "node " + nodeId, "%s: %d cpu, %d MiB RAM, %d MiB disk%s",
                previous.isPresent() ? "capacity replaced" : "enabled", capacity.cpuCores(), capacity.ramMib(),
                capacity.diskMib(), capacity.geo().isEmpty() ? "" : ", geo " + capacity.geo());
        return Rejection.none();
    }

    private static Optional<Rejection> disable(Tx tx, String nodeId) {
        if (tx.edgeCache().node(nodeId).isEmpty()) {
            return notEnabled(nodeId);
        }
        tx.edgeCache(tx.edgeCache().without(nodeId));
        tx.changed(Area.EDGE_CACHE, "node " + nodeId, "disabled");
        return Rejection.none();
    }

    private static Optional<Rejection> stats(Tx tx, String nodeId, ReportEdgeCacheStats stats) {
        Optional<EdgeCacheNode> node = tx.edgeCache().node(nodeId);
        if (node.isEmpty()) {
            return notEnabled(nodeId);
        }
        EdgeCacheNode counted = node.get().counted(stats.getHits(), stats.getMisses());
        tx.edgeCache(tx.edgeCache().with(counted));
        tx.changed(Area.EDGE_CACHE, "node " + nodeId, "counted %d hits and %d misses (now %d and %d)",
                stats.getHits(), stats.getMisses(), counted.hits(), counted.misses());
        return Rejection.none();
    }

    /** Ends a node's eligibility because it is leaving; does nothing if it was not eligible. */
    public static void endEligibility(Tx tx, String nodeId, String why) {
        if (tx.edgeCache().node(nodeId).isPresent()) {
            tx.edgeCache(tx.edgeCache().without(nodeId));
            tx.changed(Area.EDGE_CACHE, "node " + nodeId, "no longer an edge cache: %s", why);
        }
    }

    private static Optional<Rejection> notEnabled(String nodeId) {
        return Rejection.reject(REJECT_NOT_FOUND, "node %s is not registered as an edge cache", nodeId);
    }
}
