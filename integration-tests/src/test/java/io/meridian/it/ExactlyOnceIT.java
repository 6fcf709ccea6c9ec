package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.client.UnavailableException;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.MembershipServiceGrpc;
import io.meridian.proto.MembershipServiceGrpc.MembershipServiceBlockingStub;
import io.meridian.proto.PlacementServiceGrpc;
import io.meridian.proto.PlacementServiceGrpc.PlacementServiceBlockingStub;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.RequestId;
import io.meridian.proto.WriteReply;
import io.meridian.wire.JoinTokens;
import io.meridian.wire.RequestHeader;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A write keeps one identity from the client to the state machine: copies of one request sent to
 * every node apply once and are all answered with the first outcome, and writes in flight while
 * the leader steps down are each applied once.
 */
@Timeout(300)
class ExactlyOnceIT {

    private static final SecureRandom RANDOM = new SecureRandom();

    private static InProcessCluster cluster;
    private static MeridianClient client;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() {
        cluster = InProcessCluster.builder().nodes(3).start();
        cluster.awaitLeader();
        client = cluster.client();
        long format = CapabilityCatalog.ENTRY_FORMAT.supportedHere().get(
                CapabilityCatalog.ENTRY_FORMAT.supportedHere().size() - 1);
        await().atMost(InProcessCluster.PATIENCE).ignoreExceptions().until(() -> client.metadata().capabilities(
                ReadOptions.getDefaultInstance()).getNegotiatedList().stream().anyMatch(
                        c -> c.getName().equals(CapabilityCatalog.ENTRY_FORMAT.name()) && c.getValue() == format));
    }

    @AfterAll
    static void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        client.close();
        cluster.awaitConverged();
        cluster.close();
    }

    private static ManagedChannel channel(String nodeId) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(cluster.endpoint(nodeId)).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    private static PlacementServiceBlockingStub placement(String nodeId, Metadata headers) {
        return PlacementServiceGrpc.newBlockingStub(channel(nodeId)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static MembershipServiceBlockingStub membership(String nodeId, Metadata headers) {
        return MembershipServiceGrpc.newBlockingStub(channel(nodeId)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static RequestId newRequest() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return RequestId.newBuilder().setClientId(ByteString.copyFrom(id)).setSequence(1).setLowestUnanswered(1)
                .build();
    }

    private static List<CatalogEntryRecord> catalog() {
        List<CatalogEntryRecord> all = new ArrayList<>();
        long after = 0;
        while (true) {
            var page = client.metadata().catalog(GetCatalogRequest.newBuilder().setAfterVersion(after).build());
            all.addAll(page.getEntriesList());
            if (page.getEntriesCount() == 0 || after + page.getEntriesCount() >= page.getVersion()) {
                return all;
            }
            after = page.getEntries(page.getEntriesCount() - 1).getVersion();
        }
    }

    @Test
    void oneRequestSentToEveryNodeAppliesOnceAndEveryCopyGetsTheFirstAnswer() {
        RequestId request = newRequest();
        CatalogDdl ddl = CatalogDdl.newBuilder().setPayload(ByteString.copyFromUtf8("sent to every node")).build();
        long before = client.metadata().catalog(GetCatalogRequest.newBuilder().setLimit(1).build()).getVersion();

        List<WriteReply> replies = new ArrayList<>();
        for (String node : cluster.ids()) {
            replies.add(placement(node, RequestHeader.of(request)).applyCatalogDdl(ddl));
        }

        assertThat(replies).extracting(WriteReply::getIndex).containsOnly(replies.get(0).getIndex());
        assertThat(replies).extracting(WriteReply::getChangesList).containsOnly(replies.get(0).getChangesList());
        assertThat(client.metadata().catalog(GetCatalogRequest.newBuilder().setLimit(1).build()).getVersion())
                .isEqualTo(before + 1);
    }

    @Test
    void aTokenIssuedAgainUnderTheSameIdentityIsTheSameToken() {
        RequestId request = newRequest();
        IssueTokenRequest issue = IssueTokenRequest.newBuilder().setTtlMs(600_000).setToken(JoinTokens.draw()).build();
        int before = client.membership().listTokens(ReadOptions.getDefaultInstance()).getTokensCount();

        IssueTokenReply first = membership(cluster.follower().nodeId(), RequestHeader.of(request))
                .issueToken(issue);
        IssueTokenReply again = membership(cluster.awaitLeader().nodeId(), RequestHeader.of(request))
                .issueToken(issue);

        assertThat(again.getHashPrefix()).isEqualTo(first.getHashPrefix());
        assertThat(again.getIndex()).isEqualTo(first.getIndex());
        assertThat(again.getExpiresAtMs()).isEqualTo(first.getExpiresAtMs()).isPositive();
        assertThat(client.membership().listTokens(ReadOptions.getDefaultInstance()).getTokensCount())
                .isEqualTo(before + 1);
    }

    @Test
    void aRequestHeaderThatDoesNotParseIsRefused() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of(RequestHeader.KEY.name(), Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2, 3});

        assertThatThrownBy(() -> placement(cluster.follower().nodeId(), headers).applyCatalogDdl(
                CatalogDdl.newBuilder().setPayload(ByteString.copyFromUtf8("x")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    /**
     * Leadership moves between the nodes again and again while writers keep writes in flight: a
     * leader that steps down answers its pending writes "not leader" although the next leader may
     * commit them, and every write must still be in the catalog exactly once.
     */
    @Test
    void writesInFlightWhileLeadershipMovesAreEachAppliedOnce() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        List<List<String>> acknowledged = new ArrayList<>();
        List<List<String>> unknown = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<String> acks = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> unknowns = java.util.Collections.synchronizedList(new ArrayList<>());
            acknowledged.add(acks);
            unknown.add(unknowns);
            String prefix = "moving-" + w + "-";
            Thread writer = new Thread(() -> {
                try (MeridianClient own = cluster.client()) {
                    for (int i = 0; running.get(); i++) {
                        String payload = prefix + i;
                        try {
                            own.placement().applyCatalogDdl(CatalogDdl.newBuilder()
                                    .setPayload(ByteString.copyFromUtf8(payload))
                                    .build());
                            acks.add(payload);
                        } catch (UnavailableException e) {
                            unknowns.add(payload);
                        } catch (MeridianException e) {
                            throw new AssertionError("write " + payload + " refused", e);
                        }
                    }
                }
            }, "writer-" + w);
            writer.start();
            writers.add(writer);
        }
        try {
            for (int move = 0; move < 6; move++) {
                MeridianNode leader = cluster.awaitLeader();
                String next = cluster.ids().stream().filter(id -> !id.equals(leader.nodeId())).toList()
                        .get(move % 2);
                int written = acknowledged.stream().mapToInt(List::size).sum();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        acknowledged.stream().mapToInt(List::size).sum() > written + 20);
                client.membership().transferLeadership(next);
            }
        } finally {
            running.set(false);
            for (Thread writer : writers) {
                writer.join(60_000);
            }
        }

        TreeMap<String, Integer> seen = new TreeMap<>();
        for (CatalogEntryRecord entry : catalog()) {
            seen.merge(entry.getPayload().toStringUtf8(), 1, Integer::sum);
        }
        Set<String> acked = new HashSet<>();
        acknowledged.forEach(acked::addAll);
        assertThat(seen.entrySet()).filteredOn(e -> e.getValue() > 1).as("payloads applied more than once").isEmpty();
        assertThat(acked).as("acknowledged writes").isNotEmpty().allSatisfy(p -> assertThat(seen).containsKey(p));
        System.out.printf("ExactlyOnceIT: %d writes acknowledged, %d with unknown outcome, across 6 leadership "
                + "moves; none applied twice%n", acked.size(), unknown.stream().mapToInt(List::size).sum());
    }
}
