package io.meridian.node.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meridian.core.MetadataImage;
import io.meridian.core.migration.Migration;
import io.meridian.core.routing.Shard;
import io.meridian.node.leader.LoadStore;
import io.meridian.node.security.CallerContext;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.CapabilityAdvertisement;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.LoadReport;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.NodeServiceGrpc;
import io.meridian.proto.ReportLoadReply;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.WriteReply;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a data node says about itself: load reports (its heartbeat), advertisements, edge-cache
 * stats and checkpoints of its migrations. A caller with the NODE role speaks only for the node
 * its certificate names: n4 cannot report load, advertise or checkpoint for n5.
 *
 * <p>Thread-safe.
 */
public final class NodeApi extends NodeServiceGrpc.NodeServiceImplBase {

    private final ApiCalls calls;
    private final NodeRuntime node;

    public NodeApi(NodeRuntime node) {
        this.node = node;
        this.calls = new ApiCalls(node);
    }

    /** The refusal for a node speaking for another node, if it does. */
    private static Optional<StatusRuntimeException> notFor(String nodeId, String what) {
        CallerContext caller = ApiCalls.caller();
        if (caller.mayActFor(nodeId)) {
            return Optional.empty();
        }
        return Optional.of(Status.PERMISSION_DENIED.withDescription(caller.describe() + " may " + what
                + " only for node " + caller.identity() + ", not for " + nodeId).asRuntimeException());
    }

    @Override
    public void reportLoad(LoadReport request, StreamObserver<ReportLoadReply> out) {
        Optional<StatusRuntimeException> refused = notFor(request.getNodeId(), "report load");
        if (refused.isPresent()) {
            out.onError(refused.get());
            return;
        }
        Optional<String> problem = LoadStore.problem(request);
        if (problem.isPresent()) {
            out.onError(ApiErrors.invalid(problem.get()));
            return;
        }
        calls.onLeader(out, scheduler -> {
            MetadataImage image = node.stateMachine().image();
            if (image.topology().node(request.getNodeId()).isEmpty()) {
                throw ApiErrors.notFound("node " + request.getNodeId() + " is not in the cluster's topology; only "
                        + "members report load");
            }
            node.load().accept(request, id -> image.routing().shard(id).map(Shard::epoch).orElse(-1L));
            return ReportLoadReply.newBuilder().setLeaderId(node.nodeId()).build();
        }, leader -> NodeServiceGrpc.newBlockingStub(leader)
                .withDeadlineAfter(ApiCalls.FORWARD_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).reportLoad(request));
    }

    @Override
    public void advertise(AdvertiseNode request, StreamObserver<WriteReply> out) {
        Optional<StatusRuntimeException> refused = notFor(request.getNodeId(), "advertise");
        if (refused.isPresent()) {
            out.onError(refused.get());
            return;
        }
        calls.write(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder().setAdvertise(request))
                .build(), out);
    }

    @Override
    public void advertiseCapabilities(CapabilityAdvertisement request, StreamObserver<WriteReply> out) {
        Optional<StatusRuntimeException> refused = notFor(request.getNodeId(), "advertise capabilities");
        if (refused.isPresent()) {
            out.onError(refused.get());
            return;
        }
        calls.write(MetadataEntry.newBuilder().setCapabilityAdvertisement(request).build(), out);
    }

    @Override
    public void reportEdgeCacheStats(EdgeCacheChange request, StreamObserver<WriteReply> out) {
        if (!request.hasStats()) {
            out.onError(ApiErrors.invalid("ReportEdgeCacheStats takes stats; operators enable and disable edge "
                    + "caches with PlacementService.ChangeEdgeCache"));
            return;
        }
        Optional<StatusRuntimeException> refused = notFor(request.getNodeId(), "report edge-cache stats");
        if (refused.isPresent()) {
            out.onError(refused.get());
            return;
        }
        calls.write(MetadataEntry.newBuilder().setEdgeCache(request).build(), out);
    }

    /**
     * A node checkpoints only the migrations it takes part in, as their source or target: judged
     * after a read index, so a migration the leader just planned is known here.
     */
    @Override
    public void checkpoint(MigrationCheckpoint request, StreamObserver<WriteReply> out) {
        CallerContext caller = ApiCalls.caller();
        MetadataEntry entry = ApiCalls.identified(MetadataEntry.newBuilder().setMigrationCheckpoint(request).build());
        if (caller.speaksForAnyNode()) {
            calls.write(entry, out);
            return;
        }
        node.gateway().readBarrier().whenComplete((ignored, error) -> {
            if (error != null) {
                out.onError(ApiErrors.readUnavailable(error));
                return;
            }
            Optional<Migration> migration = node.stateMachine().image().migrations().migration(
                    request.getMigrationId());
            if (migration.isEmpty()) {
                out.onError(ApiErrors.notFound("no migration " + request.getMigrationId()));
            } else if (!migration.get().fromNode().equals(caller.identity())
                    && !migration.get().toNode().equals(caller.identity())) {
                out.onError(Status.PERMISSION_DENIED.withDescription(caller.describe() + " may checkpoint only the "
                        + "migrations it takes part in; migration " + request.getMigrationId() + " moves from "
                        + migration.get().fromNode() + " to " + migration.get().toNode()).asRuntimeException());
            } else {
                calls.write(entry, out);
            }
        });
    }
}
