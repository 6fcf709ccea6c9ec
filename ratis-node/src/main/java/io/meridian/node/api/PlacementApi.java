package io.meridian.node.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meridian.core.access.AccessPolicy;
import io.meridian.node.leader.PlacementScheduler;
import io.meridian.node.security.CallerContext;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Batch;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.GetLoadRequest;
import io.meridian.proto.GhostChange;
import io.meridian.proto.LoadReply;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.PlacementServiceGrpc;
import io.meridian.proto.PlanPlacementRequest;
import io.meridian.proto.PlanReasonRecord;
import io.meridian.proto.PlanReply;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SchedulerStatusReply;
import io.meridian.proto.SchedulerStatusRequest;
import io.meridian.proto.WriteReply;
import io.meridian.security.PeerIdentity;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where data lives: routing, placement commands, migration aborts, ghosts, edge-cache eligibility,
 * the scheduler and the catalog; and the leader's view of load and of the scheduler, which other
 * nodes forward to the leader.
 *
 * <p>Thread-safe.
 */
public final class PlacementApi extends PlacementServiceGrpc.PlacementServiceImplBase {

    private final ApiCalls calls;
    private final NodeRuntime node;

    public PlacementApi(NodeRuntime node) {
        this.node = node;
        this.calls = new ApiCalls(node);
    }

    @Override
    public void changeRouting(RoutingChange request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setRouting(request).build(), out);
    }

    @Override
    public void place(PlacementCommand request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setPlacement(request).build(), out);
    }

    @Override
    public void abortMigration(MigrationAbort request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setMigrationAbort(request).build(), out);
    }

    @Override
    public void changeGhost(GhostChange request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setGhost(request).build(), out);
    }

    @Override
    public void changeEdgeCache(EdgeCacheChange request, StreamObserver<WriteReply> out) {
        if (request.hasStats()) {
            out.onError(ApiErrors.invalid("nodes report edge-cache stats with NodeService.ReportEdgeCacheStats"));
            return;
        }
        calls.write(MetadataEntry.newBuilder().setEdgeCache(request).build(), out);
    }

    @Override
    public void controlScheduler(SchedulerControl request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setSchedulerControl(request).build(), out);
    }

    @Override
    public void applyCatalogDdl(CatalogDdl request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setCatalogDdl(request).build(), out);
    }

    @Override
    public void applyBatch(Batch request, StreamObserver<WriteReply> out) {
        for (int i = 0; i < request.getEntriesCount(); i++) {
            Optional<String> refused = notThroughTheApi(request.getEntries(i));
            if (refused.isPresent()) {
                out.onError(ApiErrors.invalid("batch entry " + i + ": " + refused.get()));
                return;
            }
        }
        MetadataEntry entry = MetadataEntry.newBuilder().setBatch(request).build();
        CallerContext caller = ApiCalls.caller();
        AccessRole needed = AccessPolicy.required(entry);
        if (!AccessPolicy.allows(caller.role(), needed)) {
            out.onError(Status.PERMISSION_DENIED.withDescription(caller.describe() + " lacks the "
                    + PeerIdentity.roleName(needed) + " role that an entry of this batch needs").asRuntimeException());
            return;
        }
        calls.write(entry, out);
    }

    /** Entries the API does not take as they are: each has its own call that adds what it needs. */
    private static Optional<String> notThroughTheApi(MetadataEntry entry) {
        if (entry.hasTopology() && entry.getTopology().hasBootstrap()) {
            return Optional.of("the cluster is bootstrapped by its first leader, not through the API");
        }
        if (entry.hasTopology() && entry.getTopology().hasJoin()) {
            return Optional.of("nodes join with a token: use Join");
        }
        if (entry.hasJoinToken() && (entry.getJoinToken().hasIssued() || entry.getJoinToken().hasConsumed())) {
            return Optional.of("tokens are issued with IssueToken and consumed with Join");
        }
        return Optional.empty();
    }

    // ---- The leader's view: another node forwards the call to it. ----

    @Override
    public void getLoad(GetLoadRequest request, StreamObserver<LoadReply> out) {
        calls.onLeader(out, scheduler -> Views.load(node.stateMachine().image(), node.load().view(), node.liveness(),
                node.load().now(), request).setLeaderId(node.nodeId()).build(),
                leader -> stub(leader).getLoad(request));
    }

    @Override
    public void getSchedulerStatus(SchedulerStatusRequest request, StreamObserver<SchedulerStatusReply> out) {
        calls.onLeader(out, scheduler -> scheduler.statusReply(node.nodeId()),
                leader -> stub(leader).getSchedulerStatus(request));
    }

    @Override
    public void planPlacement(PlanPlacementRequest request, StreamObserver<PlanReply> out) {
        calls.onLeader(out, scheduler -> {
            PlanReply.Builder plan = PlacementScheduler.planRecord(scheduler.dryRun()).setLeaderId(node.nodeId());
            if (node.stateMachine().image().scheduler().paused()) {
                plan.addReasons(0, PlanReasonRecord.newBuilder().setSubject("scheduler")
                        .setReason("paused: a tick proposes none of this until it is resumed"));
            }
            return plan.build();
        }, leader -> stub(leader).planPlacement(request));
    }

    private static PlacementServiceGrpc.PlacementServiceBlockingStub stub(io.grpc.Channel leader) {
        return PlacementServiceGrpc.newBlockingStub(leader)
                .withDeadlineAfter(ApiCalls.FORWARD_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
