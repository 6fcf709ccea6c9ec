package io.meridian.client;

import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.CapabilityAdvertisement;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.LoadReport;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.NodeServiceGrpc;
import io.meridian.proto.NodeServiceGrpc.NodeServiceBlockingStub;
import io.meridian.proto.ReportLoadReply;
import io.meridian.proto.WriteReply;

/**
 * What a data node says about itself (NodeService): a caller with the NODE role speaks only for
 * the node its certificate names. Thread-safe.
 */
public final class NodeClient {

    private final MeridianClient.Calls<NodeServiceBlockingStub> calls;

    NodeClient(MeridianClient client) {
        this.calls = client.calls(NodeServiceGrpc::newBlockingStub);
    }

    /** Reports a data node's load; it replaces the node's previous report. Soft state: safe to repeat. */
    public ReportLoadReply reportLoad(LoadReport report) {
        return calls.read(stub -> stub.reportLoad(report));
    }

    /** The node's api address, labels, software version and capabilities. */
    public WriteReply advertise(AdvertiseNode advertisement) {
        return calls.write(stub -> stub.advertise(advertisement));
    }

    public WriteReply advertiseCapabilities(CapabilityAdvertisement advertisement) {
        return calls.write(stub -> stub.advertiseCapabilities(advertisement));
    }

    /** A checkpoint of a migration the node takes part in. */
    public WriteReply checkpoint(MigrationCheckpoint checkpoint) {
        return calls.write(stub -> stub.checkpoint(checkpoint));
    }

    /** The node's edge-cache hit and miss counters (an EdgeCacheChange with stats). */
    public WriteReply reportEdgeCacheStats(EdgeCacheChange stats) {
        return calls.write(stub -> stub.reportEdgeCacheStats(stats));
    }
}
