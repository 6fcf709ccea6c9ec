package io.meridian.node.api;

import io.meridian.core.MetadataImage;
import io.meridian.core.Validation;
import io.meridian.core.capability.NegotiatedCapability;
import io.meridian.core.catalog.CatalogEntry;
import io.meridian.core.edgecache.EdgeCacheNode;
import io.meridian.core.ghost.GhostStub;
import io.meridian.core.ghost.GhostTableStats;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.LoadView;
import io.meridian.core.placement.Replicas;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.snapshot.RecordCodec;
import io.meridian.core.token.JoinToken;
import io.meridian.core.topology.DecommissionBlockers;
import io.meridian.core.topology.Labels;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.leader.LivenessMonitor;
import io.meridian.proto.CapabilitiesReply;
import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.GetLoadRequest;
import io.meridian.proto.GroupInfo;
import io.meridian.proto.GroupProblemKind;
import io.meridian.proto.GroupProblemRecord;
import io.meridian.proto.ListEdgeCachesReply;
import io.meridian.proto.ListGhostsReply;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.ListMigrationsReply;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.LoadReply;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeLoad;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ResolveGhostReply;
import io.meridian.proto.RoutingCheckReply;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.ShardLoad;
import io.meridian.proto.TokenInfo;
import io.meridian.proto.TopologyReply;
import java.util.Collection;
import java.util.Map;

/**
 * The answers of the read calls, computed from one image. Pure functions of the image and the
 * request; a missing thing is a NOT_FOUND status.
 */
public final class Views {

    public static final int DEFAULT_PAGE = 1000;
    public static final int MAX_PAGE = 10_000;

    private Views() {
    }

    static int pageSize(int requested) {
        return requested <= 0 ? DEFAULT_PAGE : Math.min(requested, MAX_PAGE);
    }

    public static TopologyReply topology(MetadataImage image) {
        TopologyReply.Builder reply = TopologyReply.newBuilder()
                .setIndex(image.index())
                .setBootstrapped(image.topology().bootstrapped())
                .setMinVoters(image.topology().voterPolicy().minVoters())
                .setTargetVoters(image.topology().voterPolicy().targetVoters())
                .setAutoPromote(image.topology().voterPolicy().autoPromote())
                .setPromoteLagEntries(image.topology().voterPolicy().promoteLagEntries())
                .setPromoteAfterMs(image.topology().voterPolicy().promoteAfterMs());
        for (Node node : image.topology().nodes().values()) {
            NodeInfo.Builder info = NodeInfo.newBuilder().setNode(RecordCodec.toProto(node));
            if (node.state() == NodeState.DRAINING) {
                info.setBlockedBy(DecommissionBlockers.of(image, node.id()).describe());
            }
            reply.addNodes(info);
        }
        return reply.build();
    }

    public static RoutingReply routing(MetadataImage image) {
        RoutingReply.Builder reply = RoutingReply.newBuilder()
                .setIndex(image.index())
                .setVersion(image.routing().version())
                .setShardCount(image.routing().shards().size());
        for (ReplicaGroup group : image.routing().groups().values()) {
            reply.addGroups(GroupInfo.newBuilder().setGroup(RecordCodec.toProto(group))
                    .setShardCount(image.routing().shardCount(group.id())));
        }
        return reply.build();
    }

    public static ListShardsReply shards(MetadataImage image, ListShardsRequest request) {
        int limit = pageSize(request.getLimit());
        ListShardsReply.Builder reply = ListShardsReply.newBuilder().setIndex(image.index());
        String node = request.getNodeId();
        Collection<Shard> after = image.routing().shards().tailMap(request.getAfterShardId(), false).values();
        for (Shard shard : after) {
            if (!node.isEmpty()) {
                ReplicaGroup group = image.routing().groups().get(shard.groupId());
                if (group == null || !group.isMember(node)) {
                    continue;
                }
            }
            if (reply.getShardsCount() == limit) {
                reply.setNextAfterShardId(reply.getShards(limit - 1).getShardId());
                break;
            }
            reply.addShards(RecordCodec.toProto(shard));
        }
        return reply.build();
    }

    public static LocateKeyReply locate(MetadataImage image, com.google.protobuf.ByteString key) {
        Shard shard = image.routing().locate(Key.of(key)).orElseThrow(() -> ApiErrors.notFound(
                "no shard owns key " + Key.of(key) + ": the cluster is not bootstrapped"));
        LocateKeyReply.Builder reply = LocateKeyReply.newBuilder().setIndex(image.index())
                .setShard(RecordCodec.toProto(shard));
        image.routing().group(shard.groupId()).ifPresent(group -> reply.setGroup(RecordCodec.toProto(group)));
        return reply.build();
    }

    public static ListMigrationsReply migrations(MetadataImage image, boolean inFlightOnly) {
        ListMigrationsReply.Builder reply = ListMigrationsReply.newBuilder().setIndex(image.index());
        for (Migration migration : image.migrations().all().values()) {
            if (!inFlightOnly || !migration.phase().isTerminal()) {
                reply.addMigrations(RecordCodec.toProto(migration));
            }
        }
        return reply.build();
    }

    public static MigrationRecord migration(MetadataImage image, long id) {
        return image.migrations().migration(id).map(RecordCodec::toProto)
                .orElseThrow(() -> ApiErrors.notFound("migration " + id + " does not exist"));
    }

    public static ListTokensReply tokens(MetadataImage image) {
        ListTokensReply.Builder reply = ListTokensReply.newBuilder().setIndex(image.index());
        for (JoinToken token : image.joinTokens().all().values()) {
            reply.addTokens(TokenInfo.newBuilder()
                    .setHashPrefix(token.hash().shortHex())
                    .setState(token.state().toProto())
                    .setIssuedAtMs(token.issuedAtMs())
                    .setExpiresAtMs(token.expiresAtMs())
                    .setBoundRole(token.boundRole().map(RaftRole::toProto).orElse(RaftRoleProto.RAFT_ROLE_UNSPECIFIED))
                    .addAllBoundLabels(Labels.toProto(token.boundLabels()))
                    .setConsumedBy(token.consumedBy())
                    .setExpired(token.state() == io.meridian.core.token.TokenState.ISSUED
                            && token.expiredAt(image.logicalTimeMs())));
        }
        return reply.build();
    }

    public static ListGhostsReply ghosts(MetadataImage image, ListGhostsRequest request) {
        int limit = pageSize(request.getLimit());
        ListGhostsReply.Builder reply = ListGhostsReply.newBuilder().setIndex(image.index());
        Collection<GhostStub> stubs = request.getSourceShard() == 0 ? image.ghosts().stubs().values()
                : image.ghosts().onShard(request.getSourceShard());
        for (GhostStub stub : stubs) {
            if (reply.getStubsCount() == limit) {
                reply.setTruncated(true);
                break;
            }
            reply.addStubs(RecordCodec.toProto(stub));
        }
        for (Map.Entry<Long, GhostTableStats> table : image.ghosts().tables().entrySet()) {
            if (request.getSourceShard() == 0 || request.getSourceShard() == table.getKey()) {
                reply.addTables(RecordCodec.toProto(table.getValue()));
            }
        }
        return reply.build();
    }

    public static ResolveGhostReply resolve(MetadataImage image, String entity, long sourceShard) {
        ResolveGhostReply.Builder reply = ResolveGhostReply.newBuilder().setIndex(image.index());
        if (sourceShard != 0) {
            image.ghosts().stub(sourceShard, entity).ifPresent(stub -> reply.addStubs(RecordCodec.toProto(stub)));
        } else {
            image.ghosts().resolveAnywhere(entity).forEach(stub -> reply.addStubs(RecordCodec.toProto(stub)));
        }
        if (reply.getStubsCount() == 0) {
            throw ApiErrors.notFound("no ghost of " + Validation.printable(entity)
                    + (sourceShard == 0 ? "" : " on shard " + sourceShard) + ": it did not move, or its stub was purged");
        }
        return reply.build();
    }

    public static ListEdgeCachesReply edgeCaches(MetadataImage image, String geo) {
        ListEdgeCachesReply.Builder reply = ListEdgeCachesReply.newBuilder().setIndex(image.index());
        for (EdgeCacheNode node : image.edgeCache().list(geo)) {
            reply.addNodes(RecordCodec.toProto(node));
        }
        return reply.build();
    }

    public static EdgeCacheNodeRecord edgeCacheStats(MetadataImage image, String nodeId) {
        return image.edgeCache().node(nodeId).map(RecordCodec::toProto)
                .orElseThrow(() -> ApiErrors.notFound("node " + nodeId + " is not registered as an edge cache"));
    }

    public static CapabilitiesReply capabilities(MetadataImage image) {
        CapabilitiesReply.Builder reply = CapabilitiesReply.newBuilder().setIndex(image.index());
        image.capabilities().advertised().forEach((node, values) -> reply.addNodes(RecordCodec.toProto(node, values)));
        for (NegotiatedCapability negotiated : image.capabilities().negotiated().values()) {
            reply.addNegotiated(RecordCodec.toProto(negotiated));
        }
        return reply.build();
    }

    public static GetCatalogReply catalog(MetadataImage image, GetCatalogRequest request) {
        int limit = request.getLimit() <= 0 ? DEFAULT_PAGE : Math.min(request.getLimit(), MAX_PAGE);
        GetCatalogReply.Builder reply = GetCatalogReply.newBuilder().setIndex(image.index())
                .setVersion(image.catalog().version());
        for (CatalogEntry entry : image.catalog().entries().tailMap(request.getAfterVersion(), false).values()) {
            if (reply.getEntriesCount() == limit) {
                break;
            }
            reply.addEntries(RecordCodec.toProto(entry));
        }
        return reply.build();
    }
    /** The load the leader holds: every node of topology with what it hosts, and the asked shards. */
    public static RoutingCheckReply routingCheck(MetadataImage image) {
        RoutingCheckReply.Builder reply = RoutingCheckReply.newBuilder().setIndex(image.index())
                .setDefaultReplicas((int) image.scheduler().value(SchedulerParameter.REPLICAS));
        for (Replicas.Problem problem : Replicas.problems(image)) {
            reply.addProblems(GroupProblemRecord.newBuilder().setGroupId(problem.groupId())
                    .setKind(switch (problem.kind()) {
                        case UNDER_REPLICATED -> GroupProblemKind.GROUP_PROBLEM_KIND_UNDER_REPLICATED;
                        case OVER_REPLICATED -> GroupProblemKind.GROUP_PROBLEM_KIND_OVER_REPLICATED;
                        case LEADERLESS -> GroupProblemKind.GROUP_PROBLEM_KIND_LEADERLESS;
                    })
                    .setMembers(problem.members()).setLive(problem.live()).setTarget(problem.target())
                    .setLeader(problem.leader()).setShards(problem.shards()).addAllLost(problem.lost()));
        }
        return reply.build();
    }

    public static LoadReply.Builder load(MetadataImage image, LoadView load, LivenessMonitor liveness, long nowMs,
            GetLoadRequest request) {
        java.util.TreeMap<String, NodeLoad.Builder> nodes = new java.util.TreeMap<>();
        for (Node node : image.topology().nodes().values()) {
            NodeLoad.Builder record = NodeLoad.newBuilder().setNodeId(node.id())
                    .setHealth(liveness.verdict(node))
                    .setLastSeenAgeMs(liveness.silenceMs(node.id()));
            LoadView.NodeReport report = load.nodes().get(node.id());
            if (report != null) {
                record.setReported(true).setCapacityBytes(report.capacityBytes()).setUsedBytes(report.usedBytes())
                        .setReportAgeMs(Math.max(0, nowMs - report.reportedAtMs()));
            }
            nodes.put(node.id(), record);
        }
        for (Shard shard : image.routing().shards().values()) {
            ReplicaGroup group = image.routing().group(shard.groupId()).orElseThrow();
            long size = load.sizeOf(shard.id());
            for (String member : group.members()) {
                NodeLoad.Builder record = nodes.get(member);
                if (record != null) {
                    record.setHostedBytes(record.getHostedBytes() + size).setReplicas(record.getReplicas() + 1);
                }
            }
            NodeLoad.Builder leader = nodes.get(group.leader());
            if (leader != null) {
                leader.setLeading(leader.getLeading() + 1);
            }
        }
        LoadReply.Builder reply = LoadReply.newBuilder();
        nodes.values().forEach(reply::addNodes);
        if (request.getAllShards()) {
            load.shards().values().forEach(shard -> reply.addShards(shardLoad(shard)));
        } else {
            for (long id : request.getShardIdsList()) {
                load.shard(id).ifPresent(shard -> reply.addShards(shardLoad(shard)));
            }
        }
        return reply;
    }

    private static ShardLoad shardLoad(LoadView.ShardReport shard) {
        ShardLoad.Builder record = ShardLoad.newBuilder().setShardId(shard.shardId()).setSizeBytes(shard.sizeBytes())
                .setKeys(shard.keys()).setReadsPerSec(shard.readsPerSec()).setWritesPerSec(shard.writesPerSec());
        shard.splitKey().ifPresent(key -> record.setSplitKey(key.toByteString()));
        return record.build();
    }
}
