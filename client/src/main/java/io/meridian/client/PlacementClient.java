package io.meridian.client;

import io.meridian.proto.Batch;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.GetLoadRequest;
import io.meridian.proto.GhostChange;
import io.meridian.proto.LoadReply;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.PlacementServiceGrpc;
import io.meridian.proto.PlacementServiceGrpc.PlacementServiceBlockingStub;
import io.meridian.proto.PlanPlacementRequest;
import io.meridian.proto.PlanReply;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SchedulerStatusReply;
import io.meridian.proto.SchedulerStatusRequest;
import io.meridian.proto.WriteReply;

/**
 * Where data lives (PlacementService): routing, placement, migrations' aborts, ghosts, edge caches,
 * the scheduler, the catalog, atomic batches; and the load and scheduler view the leader holds.
 * Thread-safe.
 */
public final class PlacementClient {

    private final MeridianClient.Calls<PlacementServiceBlockingStub> calls;

    PlacementClient(MeridianClient client) {
        this.calls = client.calls(PlacementServiceGrpc::newBlockingStub);
    }

    public WriteReply changeRouting(RoutingChange change) {
        return calls.write(stub -> stub.changeRouting(change));
    }

    public WriteReply place(PlacementCommand command) {
        return calls.write(stub -> stub.place(command));
    }

    public WriteReply abortMigration(MigrationAbort abort) {
        return calls.write(stub -> stub.abortMigration(abort));
    }

    public WriteReply changeGhost(GhostChange change) {
        return calls.write(stub -> stub.changeGhost(change));
    }

    public WriteReply changeEdgeCache(EdgeCacheChange change) {
        return calls.write(stub -> stub.changeEdgeCache(change));
    }

    public WriteReply controlScheduler(SchedulerControl control) {
        return calls.write(stub -> stub.controlScheduler(control));
    }

    public WriteReply applyCatalogDdl(CatalogDdl ddl) {
        return calls.write(stub -> stub.applyCatalogDdl(ddl));
    }

    /** Entries applied atomically: all or none. */
    public WriteReply applyBatch(Batch batch) {
        return calls.write(stub -> stub.applyBatch(batch));
    }

    /** The load the leader holds (any node forwards). */
    public LoadReply load(GetLoadRequest request) {
        return calls.read(stub -> stub.getLoad(request));
    }

    public SchedulerStatusReply schedulerStatus() {
        return calls.read(stub -> stub.getSchedulerStatus(SchedulerStatusRequest.getDefaultInstance()));
    }

    /** What the scheduler's next tick would propose, without proposing it. */
    public PlanReply planPlacement() {
        return calls.read(stub -> stub.planPlacement(PlanPlacementRequest.getDefaultInstance()));
    }
}
