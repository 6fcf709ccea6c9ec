package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.client.UnavailableException;
import io.meridian.core.MetadataImage;
import io.meridian.core.testing.Entries;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.GetMigrationRequest;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TopologyChange;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every kind of refusal reaches the caller with the right gRPC status and rejection code, and
 * changes nothing; a write whose outcome is unknown is told apart from a refusal.
 */
@Timeout(300)
class BadRequestsIT {

    private static void refused(ThrowingCallable call, Status.Code status, RejectCode code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(RejectedException.class, e -> {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.code()).as(e.getMessage()).contains(code);
        });
    }

    @Test
    void everyRefusalHasItsStatusAndCodeAndChangesNothing() {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            // Shards 1 ['', m) in group 3 {n2,n3} migrating to n1; 2 [m, t) in group 1 {n1,n2,n3};
            // 3 [t, end) in group 2 {n1}.
            client.placement().place(Entries.split(1, "m").getPlacement());
            client.placement().place(Entries.split(2, "t").getPlacement());
            client.placement().changeRouting(Entries.createGroup("n1", "n1").getRouting());
            client.placement().changeRouting(Entries.reassign(3, 2, "n1").getRouting());
            client.placement().changeRouting(Entries.createGroup("n2", "n2", "n3").getRouting());
            client.placement().changeRouting(Entries.reassign(1, 3, "n2").getRouting());
            client.placement().place(Entries.transfer(1, "n3", "n1").getPlacement());
            client.node().checkpoint(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 3, "a")
                    .getMigrationCheckpoint());
            IssueTokenReply token = client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                    .build());
            client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000).build());
            cluster.awaitConverged();
            MetadataImage before = cluster.node("n1").stateMachine().image();
            long version = client.metadata().routing().getVersion();

            // INVALID_ARGUMENT: malformed input, judged before the log.
            refused(() -> client.placement().place(PlacementCommand.newBuilder().setSplit(SplitShard.newBuilder()
                    .setShardId(1))
                    .build()), Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.membership().changeTopology(TopologyChange.newBuilder()
                    .setAdvertise(AdvertiseNode.newBuilder()
                    .setNodeId("n1").setApiAddress("no-port").setSoftwareVersion("1")).build()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.placement().controlScheduler(
                    Entries.setScheduler("speed", "11").getSchedulerControl()), Status.Code.INVALID_ARGUMENT,
                    RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.placement().applyCatalogDdl(CatalogDdl.getDefaultInstance()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.placement().applyBatch(Batch.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
                    RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.placement().applyBatch(Batch.newBuilder().addEntries(Entries.join("n7")).build()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.membership().changeTopology(Entries.bootstrap("x").getTopology()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(10).build()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.membership().revokeToken(RevokeTokenRequest.newBuilder().setHashPrefix("zz").build()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);
            refused(() -> client.node().checkpoint(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 3,
                    new byte[] {1, 2}, 7).getMigrationCheckpoint()), Status.Code.INVALID_ARGUMENT,
                    RejectCode.REJECT_CHECKSUM_MISMATCH);

            // NOT_FOUND.
            refused(() -> client.membership().changeTopology(Entries.promote("n42").getTopology()),
                    Status.Code.NOT_FOUND, RejectCode.REJECT_NOT_FOUND);
            refused(() -> client.placement().changeRouting(Entries.reassign(99, 1, "n1").getRouting()),
                    Status.Code.NOT_FOUND, RejectCode.REJECT_NOT_FOUND);
            refused(() -> client.metadata().migration(GetMigrationRequest.newBuilder().setMigrationId(77).build()),
                    Status.Code.NOT_FOUND, RejectCode.REJECT_NOT_FOUND);
            refused(() -> client.membership().revokeToken(
                    RevokeTokenRequest.newBuilder().setHashPrefix("000000").build()), Status.Code.NOT_FOUND,
                    RejectCode.REJECT_NOT_FOUND);

            // ALREADY_EXISTS: a valid token, but the node id is taken; the token is not consumed.
            refused(() -> client.membership().join(JoinRequest.newBuilder().setToken(token.getToken())
                    .setNode(JoinNode.newBuilder().setNodeId("n1").setRaftAddress("10.9.9.9:7000")).build()),
                    Status.Code.ALREADY_EXISTS, RejectCode.REJECT_ALREADY_EXISTS);

            // FAILED_PRECONDITION: the state forbids it.
            refused(() -> client.membership().changeTopology(Entries.activate("n1").getTopology()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_ILLEGAL_TRANSITION);
            refused(() -> client.membership().changeTopology(Entries.startDecommission("n1", false).getTopology()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_MIN_VOTERS);
            refused(() -> client.placement().changeRouting(Entries.transferLeadership(2, "n2").getRouting()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_NOT_A_MEMBER);
            refused(() -> client.placement().changeRouting(Entries.removeMember(2, "n1").getRouting()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_LAST_MEMBER);
            refused(() -> client.placement().place(Entries.split(2, "z").getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_KEY_OUT_OF_RANGE);
            refused(() -> client.placement().place(Entries.merge(3, 2).getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_NOT_ADJACENT);
            refused(() -> client.placement().place(Entries.merge(2, 3).getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_GROUP_MISMATCH);
            refused(() -> client.placement().place(Entries.split(1, "c").getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_SHARD_BUSY);
            refused(() -> client.placement().place(Entries.transfer(2, "n1", "n2").getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_ALREADY_MEMBER);
            refused(() -> client.placement().place(Entries.placement(PlacementCommand.newBuilder()
                    .setSplit(SplitShard.newBuilder().setShardId(2).setSplitKey(ByteString.copyFromUtf8("q"))),
                    version - 1).getPlacement()),
                    Status.Code.FAILED_PRECONDITION, RejectCode.REJECT_STALE_VERSION);
            refused(() -> client.node().checkpoint(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING,
                    1, "b").getMigrationCheckpoint()), Status.Code.FAILED_PRECONDITION,
                    RejectCode.REJECT_STALE_ATTEMPT);
            refused(() -> client.placement().changeEdgeCache(Entries.disableEdgeCache("n3").getEdgeCache()),
                    Status.Code.NOT_FOUND, RejectCode.REJECT_NOT_FOUND);
            refused(() -> client.membership().revokeToken(RevokeTokenRequest.newBuilder().setHashPrefix("00").build()),
                    Status.Code.INVALID_ARGUMENT, RejectCode.REJECT_INVALID_ARGUMENT);

            // A bad token is refused without saying why.
            assertThatThrownBy(() -> client.membership().join(JoinRequest.newBuilder().setToken("mrdn.guessed")
                    .setNode(JoinNode.newBuilder().setNodeId("n8").setRaftAddress("10.9.9.8:7000")).build()))
                    .isInstanceOfSatisfying(RejectedException.class, e -> {
                        assertThat(e.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.code()).isEmpty();
                        assertThat(e.getMessage()).isEqualTo("PERMISSION_DENIED: invalid or expired token");
                    });

            cluster.awaitConverged();
            MetadataImage after = cluster.node("n1").stateMachine().image();
            // Refusals at apply are remembered in the client's session (a retry gets the same
            // refusal) and recorded in the audit trail, each with its code; nothing else changed.
            assertThat(after.audit().since(before.index() + 1)).isNotEmpty()
                    .allSatisfy(record -> assertThat(record.getOutcome()).startsWith("REJECT_"));
            assertThat(after.withProvenance(before.provenance()).withSessions(before.sessions())
                    .withAudit(before.audit())).isEqualTo(before);
        }
    }

    @Test
    void aWriteWithoutQuorumIsAnUnknownOutcomeNotARefusal() {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start()) {
            String survivor = cluster.follower().nodeId();
            for (String id : cluster.ids()) {
                if (!id.equals(survivor)) {
                    cluster.kill(id);
                }
            }
            try (MeridianClient client = io.meridian.client.MeridianClient.builder()
                    .endpoints(cluster.endpoint(survivor)).timeout(Duration.ofSeconds(3)).build()) {
                assertThatThrownBy(() -> client.placement().applyCatalogDdl(Entries.catalogDdl("lost?")
                        .getCatalogDdl()))
                        .isInstanceOfSatisfying(UnavailableException.class,
                                e -> assertThat(e.outcomeUnknown()).isTrue());
                assertThatThrownBy(() -> client.metadata().topology())
                        .isInstanceOfSatisfying(UnavailableException.class,
                        e -> assertThat(e.outcomeUnknown()).isFalse());
            }
            cluster.restartAll();
            cluster.awaitConverged();
        }
    }
}
