package io.meridian.node.api;

import io.grpc.stub.StreamObserver;
import io.meridian.proto.CapabilitiesReply;
import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.GetEdgeCacheStatsRequest;
import io.meridian.proto.GetMigrationRequest;
import io.meridian.proto.ListEdgeCachesReply;
import io.meridian.proto.ListEdgeCachesRequest;
import io.meridian.proto.ListGhostsReply;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.ListMigrationsReply;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.LocalStatusRequest;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.LocateKeyRequest;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.MetadataServiceGrpc;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ResolveGhostReply;
import io.meridian.proto.ResolveGhostRequest;
import io.meridian.proto.RoutingCheckReply;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.SchedulerConfigRecord;
import io.meridian.proto.StatusReply;
import io.meridian.proto.StatusRequest;
import io.meridian.proto.TopologyReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads of the metadata, linearizable unless the caller asks for a stale answer, and the status
 * of the group's members.
 *
 * <p>Thread-safe.
 */
public final class MetadataApi extends MetadataServiceGrpc.MetadataServiceImplBase {

    private static final Duration STATUS_DEADLINE = Duration.ofSeconds(2);

    private final ApiCalls calls;
    private final NodeRuntime node;

    public MetadataApi(NodeRuntime node) {
        this.node = node;
        this.calls = new ApiCalls(node);
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusReply> out) {
        MemberStatus self = node.localStatus();
        StatusReply.Builder reply = StatusReply.newBuilder()
                .setId(self.getId())
                .setRole(self.getRole())
                .setLeaderId(self.getLeaderId())
                .setTerm(self.getTerm())
                .setCommitIndex(self.getCommitIndex())
                .setAppliedIndex(self.getAppliedIndex())
                .setStateDigest(self.getStateDigest());
        List<MemberStatus> members = new ArrayList<>(node.otherMembers(STATUS_DEADLINE));
        members.add(self);
        members.sort(Comparator.comparing(MemberStatus::getId));
        reply.addAllMembers(members);
        out.onNext(reply.build());
        out.onCompleted();
    }

    @Override
    public void localStatus(LocalStatusRequest request, StreamObserver<MemberStatus> out) {
        out.onNext(node.localStatus());
        out.onCompleted();
    }

    @Override
    public void getTopology(ReadOptions request, StreamObserver<TopologyReply> out) {
        calls.read(request.getStale(), out, Views::topology);
    }

    @Override
    public void getRouting(ReadOptions request, StreamObserver<RoutingReply> out) {
        calls.read(request.getStale(), out, Views::routing);
    }

    @Override
    public void checkRouting(ReadOptions request, StreamObserver<RoutingCheckReply> out) {
        calls.read(request.getStale(), out, Views::routingCheck);
    }

    @Override
    public void listShards(ListShardsRequest request, StreamObserver<ListShardsReply> out) {
        calls.read(request.getStale(), out, image -> Views.shards(image, request));
    }

    @Override
    public void locateKey(LocateKeyRequest request, StreamObserver<LocateKeyReply> out) {
        calls.read(request.getStale(), out, image -> Views.locate(image, request.getKey()));
    }

    @Override
    public void listMigrations(ListMigrationsRequest request, StreamObserver<ListMigrationsReply> out) {
        calls.read(request.getStale(), out, image -> Views.migrations(image, request.getInFlightOnly()));
    }

    @Override
    public void getMigration(GetMigrationRequest request, StreamObserver<MigrationRecord> out) {
        calls.read(request.getStale(), out, image -> Views.migration(image, request.getMigrationId()));
    }

    @Override
    public void listGhosts(ListGhostsRequest request, StreamObserver<ListGhostsReply> out) {
        calls.read(request.getStale(), out, image -> Views.ghosts(image, request));
    }

    @Override
    public void resolveGhost(ResolveGhostRequest request, StreamObserver<ResolveGhostReply> out) {
        calls.read(request.getStale(), out, image -> Views.resolve(image, request.getEntityId(),
                request.getSourceShard()));
    }

    @Override
    public void listEdgeCaches(ListEdgeCachesRequest request, StreamObserver<ListEdgeCachesReply> out) {
        calls.read(request.getStale(), out, image -> Views.edgeCaches(image, request.getGeo()));
    }

    @Override
    public void getEdgeCacheStats(GetEdgeCacheStatsRequest request, StreamObserver<EdgeCacheNodeRecord> out) {
        calls.read(request.getStale(), out, image -> Views.edgeCacheStats(image, request.getNodeId()));
    }

    @Override
    public void getCapabilities(ReadOptions request, StreamObserver<CapabilitiesReply> out) {
        calls.read(request.getStale(), out, Views::capabilities);
    }

    @Override
    public void getSchedulerConfig(ReadOptions request, StreamObserver<SchedulerConfigRecord> out) {
        calls.read(request.getStale(), out, image -> image.scheduler().toProto());
    }

    @Override
    public void getCatalog(GetCatalogRequest request, StreamObserver<GetCatalogReply> out) {
        calls.read(request.getStale(), out, image -> Views.catalog(image, request));
    }
}
