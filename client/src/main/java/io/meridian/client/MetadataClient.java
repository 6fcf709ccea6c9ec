package io.meridian.client;

import com.google.protobuf.ByteString;
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
import io.meridian.proto.MetadataServiceGrpc.MetadataServiceBlockingStub;
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

/**
 * Reads of the metadata and the members' status (MetadataService), and the watch of applied
 * entries (WatchService): linearizable unless the options ask for a stale read. Thread-safe.
 */
public final class MetadataClient {

    private final MeridianClient client;
    private final MeridianClient.Calls<MetadataServiceBlockingStub> calls;

    MetadataClient(MeridianClient client) {
        this.client = client;
        this.calls = client.calls(MetadataServiceGrpc::newBlockingStub);
    }

    /** The status of the node answering and of every member as it reports itself. */
    public StatusReply status() {
        return calls.read(stub -> stub.status(StatusRequest.getDefaultInstance()));
    }

    /** The status of one node, asked directly at its endpoint. */
    public MemberStatus localStatus(String endpoint) {
        return calls.at(endpoint, stub -> stub.localStatus(LocalStatusRequest.getDefaultInstance()));
    }

    public TopologyReply topology(ReadOptions options) {
        return calls.read(stub -> stub.getTopology(options));
    }

    public TopologyReply topology() {
        return topology(ReadOptions.getDefaultInstance());
    }

    public RoutingReply routing(ReadOptions options) {
        return calls.read(stub -> stub.getRouting(options));
    }

    public RoutingReply routing() {
        return routing(ReadOptions.getDefaultInstance());
    }

    /** Groups under- or over-replicated, or without a leader that can serve. */
    public RoutingCheckReply checkRouting(ReadOptions options) {
        return calls.read(stub -> stub.checkRouting(options));
    }

    public ListShardsReply listShards(ListShardsRequest request) {
        return calls.read(stub -> stub.listShards(request));
    }

    public LocateKeyReply locate(LocateKeyRequest request) {
        return calls.read(stub -> stub.locateKey(request));
    }

    public LocateKeyReply locate(ByteString key) {
        return locate(LocateKeyRequest.newBuilder().setKey(key).build());
    }

    public ListMigrationsReply listMigrations(ListMigrationsRequest request) {
        return calls.read(stub -> stub.listMigrations(request));
    }

    public MigrationRecord migration(GetMigrationRequest request) {
        return calls.read(stub -> stub.getMigration(request));
    }

    public ListGhostsReply listGhosts(ListGhostsRequest request) {
        return calls.read(stub -> stub.listGhosts(request));
    }

    public ResolveGhostReply resolveGhost(ResolveGhostRequest request) {
        return calls.read(stub -> stub.resolveGhost(request));
    }

    public ListEdgeCachesReply listEdgeCaches(ListEdgeCachesRequest request) {
        return calls.read(stub -> stub.listEdgeCaches(request));
    }

    public EdgeCacheNodeRecord edgeCacheStats(GetEdgeCacheStatsRequest request) {
        return calls.read(stub -> stub.getEdgeCacheStats(request));
    }

    public CapabilitiesReply capabilities(ReadOptions options) {
        return calls.read(stub -> stub.getCapabilities(options));
    }

    public SchedulerConfigRecord schedulerConfig(ReadOptions options) {
        return calls.read(stub -> stub.getSchedulerConfig(options));
    }

    public GetCatalogReply catalog(GetCatalogRequest request) {
        return calls.read(stub -> stub.getCatalog(request));
    }

    /**
     * Streams every applied entry from {@code fromIndex} on to the listener, on a thread of its own,
     * resuming on another endpoint after a failure without missing or repeating an entry. Ends with
     * {@link WatchListener#onError} when the cluster no longer keeps entries that old, or refuses
     * this caller. Close the subscription (or the client) to stop.
     */
    public MeridianClient.Subscription watch(long fromIndex, WatchListener listener) {
        return client.watch(fromIndex, listener);
    }
}
