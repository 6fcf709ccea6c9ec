package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.node.testing.TestPki;
import io.meridian.proto.AccessRole;
import io.meridian.proto.CapabilityAdvertisement;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.Label;
import io.meridian.proto.ListAuditReply;
import io.meridian.proto.ListAuditRequest;
import io.meridian.proto.LoadReport;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ReportEdgeCacheStats;
import io.meridian.proto.SchedulerControl;
import io.meridian.security.PeerIdentity;
import io.meridian.security.Pem;
import io.meridian.security.TlsFiles;
import io.meridian.wire.AuditChain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Each threat to a cluster running with mutual TLS is a test: plaintext and foreign or expired
 * certificates are turned away on both ports, roles bound what a caller may do, a node speaks only
 * for itself, a revocation holds on every node at once, a token bootstraps a certificate exactly
 * once, keys never rest where they should not, and the audit trail verifies.
 */
@Timeout(600)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustIT {

    private InProcessCluster cluster;
    private TestPki pki;
    private MeridianClient admin;

    @BeforeAll
    void start() {
        cluster = InProcessCluster.builder().nodes(3).secure().start();
        pki = cluster.pki();
        admin = cluster.client();
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private MeridianClient as(TlsFiles files) {
        return MeridianClient.builder().endpoints(String.join(",", endpoints())).tls(files)
                .timeout(Duration.ofSeconds(5)).build();
    }

    private MeridianClient as(TlsFiles files, String nodeId) {
        return MeridianClient.builder().endpoints(cluster.endpoint(nodeId)).tls(files)
                .timeout(Duration.ofSeconds(5)).build();
    }

    private List<String> endpoints() {
        return cluster.ids().stream().map(cluster::endpoint).toList();
    }

    @Test
    void aPlaintextClientIsRefusedOnTheApiPort() {
        try (MeridianClient plaintext = MeridianClient.builder().endpoints(cluster.endpoint("n1"))
                .timeout(Duration.ofSeconds(3)).build()) {
            assertThatThrownBy(() -> plaintext.metadata().topology()).isInstanceOf(MeridianException.class);
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() {
        TestPki other = TestPki.create(cluster.root().resolve("other-ca"));
        try (MeridianClient stranger = as(other.issue("mallory", AccessRole.ACCESS_ROLE_ADMIN))) {
            assertThatThrownBy(() -> stranger.metadata().topology()).isInstanceOf(MeridianException.class);
        }
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        TlsFiles files = pki.issueExpired("old-admin", AccessRole.ACCESS_ROLE_ADMIN);
        // The client refuses to present it...
        assertThatThrownBy(() -> as(files)).hasMessageContaining("expired at");
        // ...and a client that presents it anyway fails the handshake.
        io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forTarget(cluster.endpoint("n1"))
                .sslContext(io.grpc.netty.GrpcSslContexts.forClient()
                        .keyManager(files.certificate().toFile(), files.privateKey().toFile())
                        .trustManager(files.caCertificate().toFile()).build())
                .build();
        try {
            assertThatThrownBy(() -> io.meridian.proto.MetadataServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                    .getTopology(ReadOptions.getDefaultInstance()))
                    .isInstanceOf(io.grpc.StatusRuntimeException.class)
                    .satisfies(e -> assertThat(io.grpc.Status.fromThrowable(e).getCode())
                            .isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aReaderCannotWriteAndAnOperatorCannotGrantAccess() {
        try (MeridianClient reader = as(pki.issue("rita", AccessRole.ACCESS_ROLE_READER))) {
            assertThat(reader.metadata().topology().getNodesCount()).isEqualTo(3);
            assertThatThrownBy(() -> reader.placement().controlScheduler(SchedulerControl.newBuilder()
                    .setPause(io.meridian.proto.PauseScheduler.getDefaultInstance()).build()))
                    .hasMessageContaining("identity rita (role reader) lacks the operator role");
        }
        try (MeridianClient operator = as(pki.issue("otto", AccessRole.ACCESS_ROLE_OPERATOR))) {
            operator.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(60_000).build());
            assertThatThrownBy(() -> operator.access().grant("otto", AccessRole.ACCESS_ROLE_ADMIN))
                    .hasMessageContaining("identity otto (role operator) lacks the admin role");
        }
    }

    @Test
    void aNodeSpeaksOnlyForItself() {
        try (MeridianClient n4 = as(pki.issue("n4", AccessRole.ACCESS_ROLE_NODE))) {
            assertThatThrownBy(() -> n4.node().reportLoad(LoadReport.newBuilder().setNodeId("n5")
                    .setCapacityBytes(1 << 30).build()))
                    .hasMessageContaining("identity n4 (role node) may report load only for node n4, not for n5");
            assertThatThrownBy(() -> n4.node().advertiseCapabilities(CapabilityAdvertisement.newBuilder()
                    .setNodeId("n5").build()))
                    .hasMessageContaining("only for node n4, not for n5");
            assertThatThrownBy(() -> n4.node().reportEdgeCacheStats(EdgeCacheChange.newBuilder().setNodeId("n5")
                    .setStats(ReportEdgeCacheStats.newBuilder().setHits(1)).build()))
                    .hasMessageContaining("only for node n4, not for n5");
            assertThatThrownBy(() -> n4.node().checkpoint(io.meridian.proto.MigrationCheckpoint.newBuilder()
                    .setMigrationId(1).build()))
                    .isInstanceOf(MeridianException.class);
            assertThatThrownBy(() -> n4.placement().controlScheduler(SchedulerControl.newBuilder()
                    .setPause(io.meridian.proto.PauseScheduler.getDefaultInstance()).build()))
                    .hasMessageContaining("lacks the operator role");
        }
    }

    @Test
    void aRevokedIdentityIsRefusedAtOnceOnEveryNode() {
        TlsFiles files = pki.issue("olga", AccessRole.ACCESS_ROLE_OPERATOR);
        try (MeridianClient olga = as(files)) {
            olga.metadata().topology();
        }
        admin.access().revoke("olga", "left the team");
        for (String id : cluster.ids()) {
            try (MeridianClient olga = as(files, id)) {
                assertThatThrownBy(() -> olga.metadata().topology())
                        .as("a read on %s", id).hasMessageContaining("identity olga was revoked at index");
                assertThatThrownBy(() -> olga.membership().issueToken(IssueTokenRequest.newBuilder()
                        .setTtlMs(60_000).build()))
                        .as("a write on %s", id).hasMessageContaining("identity olga was revoked at index");
            }
        }
        assertThat(admin.access().list().getBindingsList())
                .anySatisfy(binding -> assertThat(binding.getIdentity()).isEqualTo("olga"));
    }

    @Test
    void aProcessWithoutANodeCertificateCannotSpeakRaft() throws Exception {
        MeridianNode leader = cluster.awaitLeader();
        RaftGroup group = leader.division().getGroup();
        List<RaftPeer> peers = List.copyOf(group.getPeers());
        Message probe = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8("x"));
        try (RaftClient plaintext = RaftClient.newBuilder().setRaftGroup(group).setProperties(new RaftProperties())
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            assertThatThrownBy(() -> plaintext.io().sendReadOnly(probe)).isInstanceOf(IOException.class);
        }
        TlsFiles reader = pki.issue("raft-reader", AccessRole.ACCESS_ROLE_READER);
        Parameters parameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(Pem.privateKey(reader.privateKey()),
                Pem.certificates(reader.certificate()).get(0), Pem.certificates(reader.caCertificate()), true));
        try (RaftClient notANode = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(group.getGroupId(), peers))
                .setProperties(new RaftProperties()).setParameters(parameters)
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            assertThatThrownBy(() -> notANode.io().sendReadOnly(probe)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aTokenBootstrapsACertificateBoundToItsRoleAndLabelsOnce() throws Exception {
        String token = admin.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                .setRole(RaftRoleProto.RAFT_ROLE_LEARNER)
                .addLabels(Label.newBuilder().setKey("zone").setValue("z4")).build()).getToken();
        MeridianNode joined = cluster.joinSecure("n6", token, Map.of("zone", "z4"), RaftRole.LEARNER);
        TlsFiles files = cluster.config("n6").security().tls().orElseThrow();
        X509Certificate certificate = Pem.certificates(files.certificate()).get(0);
        PeerIdentity identity = PeerIdentity.of(certificate).orElseThrow();
        assertThat(identity.identity()).isEqualTo("n6");
        assertThat(identity.certificateRole()).isEqualTo(AccessRole.ACCESS_ROLE_NODE);
        assertThat(identity.labels()).containsEntry("zone", "z4");
        assertThat(identity.raftRole()).isEqualTo("learner");
        assertThat(joined.nodeId()).isEqualTo("n6");
        assertThatThrownBy(() -> cluster.joinSecure("n7", token, Map.of("zone", "z4"), RaftRole.LEARNER))
                .hasMessageContaining("invalid or expired token");
        try (MeridianClient n6 = as(files)) {
            assertThat(n6.access().whoAmI().getIdentity()).isEqualTo("n6");
        }
    }

    @Test
    void aNodeCheckpointsOnlyTheMigrationsItTakesPartIn() throws Exception {
        String token = admin.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000).build())
                .getToken();
        cluster.joinSecure("n8", token, Map.of("zone", "z8"), RaftRole.LEARNER);
        org.awaitility.Awaitility.await().atMost(InProcessCluster.PATIENCE).until(() -> admin.metadata().topology()
                .getNodesList().stream().anyMatch(info -> info.getNode().getNodeId().equals("n8")
                        && info.getNode().getState() == io.meridian.proto.NodeStateProto.NODE_STATE_ACTIVE));
        admin.placement().place(io.meridian.proto.PlacementCommand.newBuilder()
                .setTransfer(io.meridian.proto.TransferReplica.newBuilder().setShardId(1).setFromNode("n1")
                        .setToNode("n8"))
                .setReason("trust test").build());
        io.meridian.proto.MigrationRecord migration = admin.metadata().listMigrations(
                io.meridian.proto.ListMigrationsRequest.newBuilder().setInFlightOnly(true).build())
                .getMigrationsList().stream().filter(m -> m.getToNode().equals("n8")).findFirst().orElseThrow();
        byte[] payload = "copied 0 of 1".getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        io.meridian.proto.MigrationCheckpoint checkpoint = io.meridian.proto.MigrationCheckpoint.newBuilder()
                .setMigrationId(migration.getMigrationId()).setAttempt(migration.getAttempt())
                .setPhase(io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING)
                .setPayload(com.google.protobuf.ByteString.copyFrom(payload)).setCrc32C((int) crc.getValue()).build();
        try (MeridianClient n4 = as(pki.issue("n4", AccessRole.ACCESS_ROLE_NODE))) {
            assertThatThrownBy(() -> n4.node().checkpoint(checkpoint))
                    .hasMessageContaining("identity n4 (role node) may checkpoint only the migrations it takes part "
                            + "in; migration " + migration.getMigrationId() + " moves from n1 to n8");
        }
        try (MeridianClient n8 = as(cluster.config("n8").security().tls().orElseThrow())) {
            assertThat(n8.node().checkpoint(checkpoint).getIndex()).isPositive();
        }
    }

    @Test
    void aWatchEndsWhenItsIdentityIsRevoked() throws Exception {
        TlsFiles files = pki.issue("walter", AccessRole.ACCESS_ROLE_READER);
        java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
        try (MeridianClient walter = as(files, "n2");
                var subscription = walter.metadata().watch(1, new io.meridian.client.WatchListener() {
                    @Override
                    public void onEvent(io.meridian.proto.WatchEvent event) {
                        events.incrementAndGet();
                    }

                    @Override
                    public void onError(MeridianException error) {
                        ended.complete(error);
                    }
                })) {
            org.awaitility.Awaitility.await().atMost(InProcessCluster.PATIENCE).until(() -> events.get() > 0);
            admin.access().revoke("walter", "watch test");
            assertThat(ended.get(60, java.util.concurrent.TimeUnit.SECONDS))
                    .hasMessageContaining("identity walter was revoked at index");
        }
    }

    @Test
    void theAuditTrailChainsEveryAcceptedWrite() {
        admin.placement().controlScheduler(SchedulerControl.newBuilder()
                .setPause(io.meridian.proto.PauseScheduler.getDefaultInstance()).build());
        admin.placement().controlScheduler(SchedulerControl.newBuilder()
                .setResume(io.meridian.proto.ResumeScheduler.getDefaultInstance()).build());
        ListAuditReply trail = admin.access().audit(ListAuditRequest.getDefaultInstance());
        assertThat(trail.getRecordsList()).anySatisfy(record -> {
            assertThat(record.getIdentity()).isEqualTo("admin");
            assertThat(record.getOperation()).startsWith("scheduler_control");
            assertThat(record.getOutcome()).isEqualTo("applied");
        });
        assertThat(AuditChain.verify(trail.getAnchor(), trail.getRecordsList())).isEmpty();
    }

    @Test
    void keysNeverRestInDataDirectoriesOrSnapshots() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            cluster.node(id).takeSnapshot();
        }
        List<String> secrets = Stream.concat(Stream.of(pki.caKeyFile()), cluster.ids().stream()
                        .map(id -> cluster.config(id).security().tls().orElseThrow().privateKey()))
                .map(TrustIT::keyBody).toList();
        for (String id : cluster.ids()) {
            Path data = cluster.config(id).dataDir();
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertThat(text).as("%s", file).doesNotContain("PRIVATE KEY");
                    for (String secret : secrets) {
                        assertThat(text).as("%s", file).doesNotContain(secret);
                    }
                }
            }
        }
    }

    /** The base64 body of a PEM key, the part that would show if the key leaked. */
    private static String keyBody(Path pem) {
        try {
            String text = Files.readString(pem);
            String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            Base64.getDecoder().decode(body);
            return body.substring(0, Math.min(64, body.length()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
