package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.client.UnavailableException;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.MeridianNode;
import io.meridian.node.api.JoinThrottle;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.Label;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TopologyChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Only nodes an operator admitted join, each token once: replayed, raced, expired, revoked and
 * wrongly bound tokens are refused alike ("invalid or expired token"), joins cannot be written
 * around the token check, guessing is slowed down per source, and no token is ever at rest.
 */
@Timeout(600)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JoinTokensIT {

    private static final String INVALID = "invalid or expired token";

    private InProcessCluster cluster;
    private MeridianClient client;
    private final List<String> tokensUsed = new ArrayList<>();

    @BeforeAll
    void start() {
        cluster = InProcessCluster.builder().nodes(3).start();
        client = cluster.clientOf("n1", "n2");
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private String issue(IssueTokenRequest.Builder request) {
        IssueTokenReply reply = client.membership().issueToken(request.build());
        tokensUsed.add(reply.getToken());
        return reply.getToken();
    }

    private String issue() {
        return issue(IssueTokenRequest.newBuilder().setTtlMs(600_000));
    }

    /** A real node joining with this token; the refusal, if any, as the node reports it. */
    private MeridianNode join(String id, String token, Map<String, String> labels, RaftRole role) {
        return cluster.join(id, token, labels, role);
    }

    private void assertJoinRefused(String id, String token, Map<String, String> labels, RaftRole role) {
        assertThatThrownBy(() -> join(id, token, labels, role)).isInstanceOf(UncheckedIOException.class)
                .hasMessage("java.io.IOException: the cluster refused to let " + id + " join: " + INVALID);
        assertThat(cluster.awaitLeader().stateMachine().image().topology().node(id)).isEmpty();
    }

    /** A join request as an attacker would send it, straight to the API. */
    private static JoinRequest request(String id, String token) {
        return JoinRequest.newBuilder().setToken(token)
                .setNode(JoinNode.newBuilder().setNodeId(id).setRaftAddress("127.0.0.1:1"))
                .build();
    }

    @Test
    @Order(1)
    void aTokenAdmitsOneNodeOnceAndAReplayIsRefused() {
        String token = issue();
        MeridianNode n4 = join("n4", token, Map.of(), RaftRole.LEARNER);
        await().atMost(InProcessCluster.PATIENCE).until(() -> cluster.awaitLeader().stateMachine().image()
                .topology().node("n4").map(node -> node.state() == NodeState.ACTIVE).orElse(false));
        assertThat(n4.stopped()).isNotDone();

        assertJoinRefused("n5", token, Map.of(), RaftRole.LEARNER);
    }

    @Test
    @Order(2)
    void twoNodesRacingForOneTokenOneJoins() throws Exception {
        String token = issue();
        ExecutorService racers = Executors.newFixedThreadPool(2);
        try {
            List<Future<MeridianNode>> results = new ArrayList<>();
            for (String id : List.of("n6", "n7")) {
                results.add(racers.submit((Callable<MeridianNode>) () -> join(id, token, Map.of(), RaftRole.LEARNER)));
            }
            int joined = 0;
            List<String> refusals = new ArrayList<>();
            for (Future<MeridianNode> result : results) {
                try {
                    result.get();
                    joined++;
                } catch (java.util.concurrent.ExecutionException e) {
                    refusals.add(e.getCause().getMessage());
                }
            }
            assertThat(joined).isEqualTo(1);
            assertThat(refusals).singleElement().asString().endsWith(INVALID);
            var topology = cluster.awaitLeader().stateMachine().image().topology();
            assertThat(Stream.of("n6", "n7").filter(id -> topology.node(id).isPresent())).hasSize(1);
        } finally {
            racers.shutdownNow();
        }
    }

    @Test
    @Order(3)
    void anExpiredTokenIsRefused() {
        IssueTokenReply reply = client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(1_000).build());
        tokensUsed.add(reply.getToken());
        await("the token's expiry").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> System.currentTimeMillis() > reply.getExpiresAtMs() + 50);
        assertThatThrownBy(() -> client.membership().join(request("x1", reply.getToken())))
                .isInstanceOfSatisfying(RejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getMessage()).contains(INVALID);
                });
    }

    @Test
    @Order(4)
    void aRevokedTokenIsRefused() {
        IssueTokenReply reply = client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                .build());
        tokensUsed.add(reply.getToken());
        client.membership().revokeToken(RevokeTokenRequest.newBuilder().setHashPrefix(reply.getHashPrefix()).build());
        assertJoinRefused("n8", reply.getToken(), Map.of(), RaftRole.VOTER);
    }

    @Test
    @Order(5)
    void aTokenBoundToARoleOrLabelsAdmitsOnlyANodePresentingThem() {
        String learnersOnly = issue(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                .setRole(RaftRoleProto.RAFT_ROLE_LEARNER));
        assertJoinRefused("n9", learnersOnly, Map.of(), RaftRole.VOTER);

        String zoneB = issue(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                .addLabels(Label.newBuilder().setKey("zone").setValue("b")));
        assertJoinRefused("n9", zoneB, Map.of("zone", "c"), RaftRole.VOTER);
        assertJoinRefused("n9", zoneB, Map.of(), RaftRole.VOTER);
        MeridianNode n9 = join("n9", zoneB, Map.of("zone", "b", "rack", "r7"), RaftRole.VOTER);
        assertThat(n9.stopped()).isNotDone();
    }

    @Test
    @Order(6)
    void aJoinCannotBeWrittenAroundTheTokenCheck() {
        JoinNode node = JoinNode.newBuilder().setNodeId("x2").setRaftAddress("127.0.0.1:2").build();
        assertThatThrownBy(() -> client.membership().changeTopology(TopologyChange.newBuilder().setJoin(node).build()))
                .isInstanceOfSatisfying(RejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        MetadataEntry joinEntry = MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder().setJoin(node))
                .build();
        assertThatThrownBy(() -> client.placement().applyBatch(Batch.newBuilder().addEntries(joinEntry).build()))
                .isInstanceOf(RejectedException.class).hasMessageContaining("nodes join with a token");
        MetadataEntry consume = MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                .setTokenHash(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                .setConsumed(TokenConsumed.newBuilder().setNodeId("x2"))).build();
        assertThatThrownBy(() -> client.placement().applyBatch(Batch.newBuilder().addEntries(consume)
                .addEntries(joinEntry)
                .build())).isInstanceOf(RejectedException.class).hasMessageContaining("consumed with Join");
        assertThatThrownBy(() -> client.membership().join(request("x2", "")))
                .isInstanceOfSatisfying(RejectedException.class,
                e -> assertThat(e.status()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> client.membership().join(JoinRequest.newBuilder().setToken(issue())
                .setNode(JoinNode.newBuilder().setNodeId("x3").setRaftAddress("127.0.0.1:3"))
                .setAdvertisement(AdvertiseNode.newBuilder().setNodeId("x4")).build()))
                .isInstanceOf(RejectedException.class).hasMessageContaining("the advertisement is for x4");
        assertThat(cluster.awaitLeader().stateMachine().image().topology().node("x2")).isEmpty();
    }

    @Test
    @Order(7)
    void noTokenIsAtRestInDataDirectoriesOrLogs() throws IOException {
        for (MeridianNode node : cluster.runningNodes()) {
            node.takeSnapshot();
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(cluster.root())) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        Path log = Path.of(System.getProperty("meridian.test.log", "target/it.log"));
        List<Path> searched = new ArrayList<>(files);
        if (Files.exists(log)) {
            searched.add(log);
        }
        assertThat(files).anySatisfy(file -> assertThat(file.getFileName().toString()).startsWith("snapshot."));
        assertThat(tokensUsed).hasSizeGreaterThan(5);
        for (Path file : searched) {
            String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String token : tokensUsed) {
                String secretPart = token.substring(token.indexOf('.') + 1);
                assertThat(content).as("%s holds a token", file).doesNotContain(secretPart);
            }
        }
    }

    @Test
    @Order(8)
    void guessingIsRefusedAndThenSlowedDownPerSource() {
        SecureRandom random = new SecureRandom();
        try (MeridianClient guesser = cluster.clientOf("n3")) {
            for (int i = 0; i < JoinThrottle.MAX_FAILURES; i++) {
                byte[] guess = new byte[32];
                random.nextBytes(guess);
                String token = "mrdn." + HexFormat.of().formatHex(guess);
                assertThatThrownBy(() -> guesser.membership().join(request("guess", token)))
                        .isInstanceOfSatisfying(RejectedException.class, e -> {
                            assertThat(e.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getMessage()).contains(INVALID);
                        });
            }
            String good = issue();
            assertThatThrownBy(() -> guesser.membership().join(request("g9", good)))
                    .isInstanceOfSatisfying(UnavailableException.class, e -> {
                        assertThat(e.outcomeUnknown()).isFalse();
                        assertThat(e.getMessage()).contains("too many refused joins from 127.0.0.1; try again in");
                    });
            assertThat(cluster.awaitLeader().stateMachine().image().topology().node("g9")).isEmpty();
        }
        cluster.awaitConverged();
    }
}
