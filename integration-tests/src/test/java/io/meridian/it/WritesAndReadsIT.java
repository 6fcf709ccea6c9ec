package io.meridian.it;

import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COMPLETED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CUTOVER;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.core.testing.Entries;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.GetEdgeCacheStatsRequest;
import io.meridian.proto.GetMigrationRequest;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinReply;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.ListEdgeCachesRequest;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ResolveGhostRequest;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.TokenStateProto;
import io.meridian.proto.TopologyReply;
import io.meridian.proto.WriteReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three nodes serve every kind of write, sent to a follower and to the leader alike, and every read
 * sees the writes before it (reads go to another node than the write: they are linearizable).
 */
@Timeout(300)
class WritesAndReadsIT {

    private static InProcessCluster cluster;
    private static MeridianClient viaFollower;
    private static MeridianClient viaLeader;

    @BeforeAll
    static void start() {
        cluster = InProcessCluster.builder().nodes(3).start();
        MeridianNode leader = cluster.awaitLeader();
        MeridianNode follower = cluster.follower();
        viaFollower = cluster.clientOf(follower.nodeId());
        viaLeader = cluster.clientOf(leader.nodeId());
    }

    @AfterAll
    static void stop() {
        viaFollower.close();
        viaLeader.close();
        cluster.awaitConverged();
        cluster.close();
    }

    @Test
    void aClientOfSeveralNodesSendsItsCallsToTheLeaderOnceAnAnswerNamesIt() {
        MeridianNode leader = cluster.awaitLeader();
        MeridianNode follower = cluster.follower();
        try (MeridianClient client = cluster.clientOf(follower.nodeId(), leader.nodeId())) {
            assertThat(client.currentEndpoint()).isEqualTo(cluster.endpoint(follower.nodeId()));
            client.placement().applyCatalogDdl(Entries.catalogDdl("CREATE TABLE hinted (id BIGINT PRIMARY KEY)")
                    .getCatalogDdl());
            assertThat(client.currentEndpoint()).isEqualTo(cluster.endpoint(leader.nodeId()));
        }
    }

    private static NodeInfo node(MeridianClient client, String id) {
        return client.metadata().topology().getNodesList().stream().filter(n -> n.getNode().getNodeId().equals(id))
                .findFirst().orElseThrow(() -> new AssertionError("no node " + id));
    }

    @Test
    void topologyAndTokenWritesGoThroughAnyNode() {
        IssueTokenReply token = viaFollower.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                .build());
        assertThat(token.getToken()).startsWith("mrdn.").hasSize(5 + 64);
        assertThat(viaLeader.membership().listTokens(ReadOptions.getDefaultInstance()).getTokensList())
                .anySatisfy(info -> {
                    assertThat(info.getHashPrefix()).isEqualTo(token.getHashPrefix());
                    assertThat(info.getState()).isEqualTo(TokenStateProto.TOKEN_STATE_ISSUED);
                });

        JoinReply joined = viaLeader.membership().join(JoinRequest.newBuilder().setToken(token.getToken())
                .setNode(JoinNode.newBuilder().setNodeId("n9").setRaftAddress("127.0.0.1:1")
                        .setApiAddress("127.0.0.1:2"))
                .setAdvertisement(AdvertiseNode.newBuilder().setNodeId("n9").setApiAddress("127.0.0.1:2")
                        .setSoftwareVersion("0.1.0"))
                .build());
        assertThat(joined.getChangesList()).anySatisfy(change -> assertThat(change.getSubject()).isEqualTo("node n9"));
        assertThat(node(viaFollower, "n9").getNode().getState()).isEqualTo(NodeStateProto.NODE_STATE_JOINING);

        viaFollower.membership().changeTopology(Entries.activate("n9").getTopology());
        viaLeader.membership().changeTopology(Entries.promote("n9").getTopology());
        assertThat(node(viaFollower, "n9").getNode().getRole()).isEqualTo(RaftRoleProto.RAFT_ROLE_VOTER);
        viaFollower.membership().changeTopology(Entries.startDecommission("n9", true).getTopology());
        assertThat(node(viaLeader, "n9").getBlockedBy()).isEqualTo("nothing");
        viaLeader.membership().changeTopology(Entries.finishDecommission("n9", false).getTopology());
        viaFollower.membership().changeTopology(Entries.leave("n9").getTopology());
        TopologyReply topology = viaLeader.metadata().topology();
        assertThat(topology.getNodesList()).noneMatch(n -> n.getNode().getNodeId().equals("n9"));

        IssueTokenReply second = viaLeader.membership().issueToken(IssueTokenRequest.getDefaultInstance());
        viaFollower.membership().revokeToken(RevokeTokenRequest.newBuilder().setHashPrefix(second.getHashPrefix())
                .setReason("not needed").build());
        assertThat(viaLeader.membership().listTokens(ReadOptions.getDefaultInstance()).getTokensList())
                .filteredOn(info -> info.getHashPrefix().equals(second.getHashPrefix()))
                .singleElement().extracting(info -> info.getState()).isEqualTo(TokenStateProto.TOKEN_STATE_REVOKED);

        viaFollower.membership().changeTopology(Entries.configureMembership(null, 5, null).getTopology());
        assertThat(viaLeader.metadata().topology().getTargetVoters()).isEqualTo(5);
    }

    @Test
    void routingPlacementAndMigrationWritesChangeWhatReadsShow() {
        long shards = viaLeader.metadata().routing().getShardCount();
        long owner = viaLeader.metadata().locate(ByteString.copyFromUtf8("mid")).getShard().getShardId();
        viaFollower.placement().place(Entries.split(owner, "mid").getPlacement());
        assertThat(viaLeader.metadata().routing().getShardCount()).isEqualTo(shards + 1);
        long right = viaLeader.metadata().locate(ByteString.copyFromUtf8("mid")).getShard().getShardId();
        long left = viaFollower.metadata().locate(ByteString.copyFromUtf8("mic")).getShard().getShardId();
        assertThat(right).isNotEqualTo(left);

        viaLeader.placement().place(Entries.merge(left, right).getPlacement());
        assertThat(viaFollower.metadata().routing().getShardCount()).isEqualTo(shards);

        long shard = viaLeader.metadata().locate(ByteString.copyFromUtf8("x")).getShard().getShardId();
        viaFollower.placement().changeRouting(Entries.createGroup("n2", "n1", "n2", "n3").getRouting());
        long group = viaLeader.metadata().routing().getGroupsList().stream().mapToLong(g -> g.getGroup().getGroupId())
                .max()
                .orElseThrow();
        viaLeader.placement().changeRouting(Entries.transferLeadership(group, "n3").getRouting());
        viaFollower.placement().changeRouting(Entries.removeMember(group, "n1").getRouting());
        viaLeader.placement().changeRouting(Entries.reassign(shard, group, "n3").getRouting());
        assertThat(viaFollower.metadata().locate(ByteString.copyFromUtf8("x")).getGroup().getLeader()).isEqualTo("n3");

        viaFollower.placement().place(Entries.transfer(shard, "n2", "n1").getPlacement());
        long migration = viaLeader.metadata().listMigrations(ListMigrationsRequest.newBuilder().setInFlightOnly(true)
                .build())
                .getMigrations(0).getMigrationId();
        for (MigrationPhaseProto phase : new MigrationPhaseProto[] {MIGRATION_PHASE_COPYING,
                MIGRATION_PHASE_CATCHING_UP, MIGRATION_PHASE_CUTOVER, MIGRATION_PHASE_COMPLETED}) {
            MeridianClient client = phase.getNumber() % 2 == 0 ? viaFollower : viaLeader;
            client.node().checkpoint(Entries.checkpoint(migration, phase, 1, "progress " + phase)
                    .getMigrationCheckpoint());
        }
        assertThat(viaFollower.metadata().migration(GetMigrationRequest.newBuilder().setMigrationId(migration).build())
                .getPhase()).isEqualTo(MIGRATION_PHASE_COMPLETED);
        assertThat(viaLeader.metadata().locate(ByteString.copyFromUtf8("x")).getGroup().getMembersList())
                .containsExactlyInAnyOrder("n1", "n3");

        viaLeader.placement().place(Entries.transfer(shard, "n1", "n2").getPlacement());
        long second = viaFollower.metadata().listMigrations(ListMigrationsRequest.newBuilder().setInFlightOnly(true)
                .build())
                .getMigrations(0).getMigrationId();
        viaFollower.placement().abortMigration(Entries.abort(second, "changed my mind").getMigrationAbort());
        assertThat(viaLeader.metadata().listMigrations(ListMigrationsRequest.newBuilder().setInFlightOnly(true).build())
                .getMigrationsList()).isEmpty();
        assertThat(viaFollower.metadata().listShards(ListShardsRequest.newBuilder().setNodeId("n1").build())
                .getShardsList()).isNotEmpty();
    }

    @Test
    void ghostEdgeCacheCapabilitySchedulerCatalogAndBatchWrites() {
        long owner = viaLeader.metadata().locate(ByteString.copyFromUtf8("g")).getShard().getShardId();
        viaLeader.placement().place(Entries.split(owner, "g").getPlacement());
        long target = viaFollower.metadata().locate(ByteString.copyFromUtf8("g")).getShard().getShardId();
        long source = viaFollower.metadata().locate(ByteString.copyFromUtf8("f")).getShard().getShardId();
        viaFollower.placement().changeGhost(Entries.insertGhost(source, "entity-1", target, 1).getGhost());
        viaLeader.placement().changeGhost(Entries.incref(source, "entity-1").getGhost());
        viaFollower.placement().changeGhost(Entries.decref(source, "entity-1").getGhost());
        assertThat(viaLeader.metadata().resolveGhost(ResolveGhostRequest.newBuilder().setEntityId("entity-1").build())
                .getStubs(0).getTargetShard()).isEqualTo(target);
        viaLeader.placement().changeGhost(Entries.insertGhost(source, "entity-2", target, 0).getGhost());
        viaFollower.placement().changeGhost(Entries.sweep(source, "entity-1",
                io.meridian.proto.SweepVerdictProto.SWEEP_VERDICT_KEEP).getGhost());
        viaLeader.placement().changeGhost(Entries.purgeGhost(source, "entity-1").getGhost());
        assertThat(viaFollower.metadata().listGhosts(ListGhostsRequest.newBuilder().setSourceShard(source).build())
                .getTablesList()).singleElement().satisfies(table -> assertThat(table.getPurgedTotal()).isEqualTo(2));

        viaFollower.placement().changeEdgeCache(Entries.enableEdgeCache("n2", 4, 1024, 4096, "eu").getEdgeCache());
        viaLeader.node().reportEdgeCacheStats(Entries.edgeStats("n2", 90, 10).getEdgeCache());
        assertThat(viaFollower.metadata().edgeCacheStats(GetEdgeCacheStatsRequest.newBuilder().setNodeId("n2").build())
                .getHits()).isEqualTo(90);
        assertThat(viaLeader.metadata().listEdgeCaches(ListEdgeCachesRequest.newBuilder().setGeo("eu").build())
                .getNodesList()).hasSize(1);
        viaFollower.placement().changeEdgeCache(Entries.disableEdgeCache("n2").getEdgeCache());

        viaLeader.node().advertiseCapabilities(Entries.advertiseCapabilities("n3",
                Entries.capabilities("meridian.entry-format", new long[] {1, 2})).getCapabilityAdvertisement());
        assertThat(viaFollower.metadata().capabilities(ReadOptions.getDefaultInstance()).getNodesList())
                .anySatisfy(n -> assertThat(n.getNodeId()).isEqualTo("n3"));

        viaFollower.placement().controlScheduler(Entries.pauseScheduler("maintenance").getSchedulerControl());
        viaLeader.placement().controlScheduler(Entries.setScheduler("tick-interval", "5s").getSchedulerControl());
        assertThat(viaFollower.metadata().schedulerConfig(ReadOptions.getDefaultInstance()).getPaused()).isTrue();
        viaLeader.placement().controlScheduler(Entries.resumeScheduler().getSchedulerControl());
        assertThat(viaFollower.metadata().schedulerConfig(ReadOptions.getDefaultInstance()).getTickIntervalMs())
                .isEqualTo(5000);

        viaFollower.placement().applyCatalogDdl(CatalogDdl.newBuilder()
                .setPayload(ByteString.copyFromUtf8("CREATE TABLE a"))
                .build());
        viaLeader.placement().applyBatch(Batch.newBuilder()
                .addEntries(Entries.catalogDdl("CREATE TABLE b"))
                .addEntries(Entries.catalogDdl("CREATE TABLE c")).build());
        assertThat(viaFollower.metadata().catalog(GetCatalogRequest.getDefaultInstance()).getEntriesList())
                .extracting(e -> e.getPayload().toStringUtf8())
                .contains("CREATE TABLE a", "CREATE TABLE b", "CREATE TABLE c");
    }

    @Test
    void staleReadsAnswerFromTheLocalReplica() {
        viaLeader.placement().applyCatalogDdl(CatalogDdl.newBuilder().setPayload(ByteString.copyFromUtf8("stale?"))
                .build());
        cluster.awaitConverged();

        assertThat(viaFollower.metadata().catalog(GetCatalogRequest.newBuilder().setStale(true).build())
                .getEntriesList())
                .extracting(e -> e.getPayload().toStringUtf8()).contains("stale?");
    }
}
