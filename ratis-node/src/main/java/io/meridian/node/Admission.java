package io.meridian.node;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meridian.core.topology.Labels;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.JoinReply;
import io.meridian.proto.MembershipServiceGrpc;
import io.meridian.proto.MetadataServiceGrpc;
import io.meridian.security.Pem;
import io.meridian.security.SigningRequests;
import io.meridian.security.TlsException;
import io.meridian.security.TlsFiles;
import io.meridian.security.TlsMaterial;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.TopologyReply;
import io.meridian.wire.RequestHeader;
import io.meridian.wire.RequestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a new node gets into a running cluster: it asks the cluster (through any of the api
 * addresses it was given) whether it is a member already, and if not presents its join token
 * with its advertisement. The token is sent once, over the API, and never logged: errors say
 * what the cluster answered, which for a bad token is only "invalid or expired token".
 *
 * <p>Used once, by the starting node's thread.
 */
final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);
    private static final long CALL_DEADLINE_MS = 5_000;
    private static final long RETRY_MS = 250;

    /** The outcome: the members to send writes to until this node's own configuration arrives. */
    record Admitted(boolean justJoined, long index, List<RaftPeer> members) {
    }

    private final NodeConfig config;
    private final List<HostPort> endpoints;
    private final String prefix;
    private final Optional<TlsMaterial> tls;

    /** Joins through the configured endpoints, else those the data directory remembers. */
    Admission(NodeConfig config, NodeIdentity identity, Optional<TlsMaterial> tls) throws IOException {
        this.config = config;
        this.tls = tls;
        this.prefix = config.nodeId();
        List<HostPort> remembered = new ArrayList<>();
        for (String endpoint : identity.joinEndpoints()) {
            remembered.add(HostPort.parse("join endpoint", endpoint));
        }
        this.endpoints = config.joinEndpoints().isEmpty() ? remembered : config.joinEndpoints();
        if (endpoints.isEmpty()) {
            throw new IOException("node " + config.nodeId() + " has not joined yet and knows no cluster to join");
        }
    }

    /**
     * Makes sure this node is in the cluster's topology, joining with its token when it is not.
     * Fails when the cluster refuses, when the id or raft address belongs to another node, or
     * when no endpoint answers within the write timeout.
     */
    Admitted admit(String apiAddress, byte[] capabilities) throws IOException {
        // One request identity for every attempt: a join whose answer was lost and is sent again is
        // answered with the first outcome instead of being refused for a token already consumed.
        return untilAnswered(config, endpoints, builder -> NodeTls.channel(builder, tls), (channel, id) -> {
            TopologyReply topology = MetadataServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getTopology(ReadOptions.getDefaultInstance());
            Optional<NodeRecord> known = member(topology, config.nodeId());
            if (known.isPresent()) {
                return alreadyMember(known.get(), topology);
            }
            JoinReply joined = MembershipServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RequestHeader.of(id)))
                    .join(joinRequest(config, endpoints, apiAddress, capabilities, ByteString.EMPTY));
            LOG.info("{}: Joined the cluster through {} at index {} as a JOINING learner; catching up.",
                    prefix, channel.authority(), joined.getIndex());
            TopologyReply after = MetadataServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .getTopology(ReadOptions.getDefaultInstance());
            return new Admitted(true, joined.getIndex(), members(after));
        });
    }

    private Admitted alreadyMember(NodeRecord known, TopologyReply topology) throws IOException {
        if (!known.getRaftAddress().equals(config.raftAddress().toString())) {
            throw new IOException("the cluster already has a node " + config.nodeId() + " at raft address "
                    + known.getRaftAddress() + "; this one listens on " + config.raftAddress());
        }
        if (known.getState() == NodeStateProto.NODE_STATE_DECOMMISSIONED) {
            throw new IOException("node " + config.nodeId() + " was decommissioned; it cannot come back under the "
                    + "same id (remove it with `meridian node leave " + config.nodeId() + "` and join anew)");
        }
        LOG.info("{}: Already a member of the cluster ({}); waiting to be in its Raft configuration.", prefix,
                known.getState());
        return new Admitted(false, topology.getIndex(), members(topology));
    }

    /**
     * Gets a node that joins a cluster running with TLS its certificate: it draws a key pair, sends
     * its token with a signing request over TLS (trusting only the cluster CA, with no certificate of
     * its own yet), and writes the key and the certificate it is issued to the node's TLS files.
     * The join registers the node too, so its start goes on as a member's.
     */
    static void obtainCertificate(NodeConfig config, TlsFiles files) throws IOException {
        if (config.apiAddress().port() == 0) {
            throw new IOException("node " + config.nodeId() + " joins with TLS: give it a fixed api port (the "
                    + "certificate and the cluster record its address)");
        }
        io.netty.handler.ssl.SslContext trustOnly;
        try {
            trustOnly = io.grpc.netty.GrpcSslContexts.forClient()
                    .trustManager(Pem.certificates(files.caCertificate()).toArray(new java.security.cert.X509Certificate[0]))
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (TlsException e) {
            throw new IOException(e.getMessage(), e);
        }
        java.security.KeyPair keys = SigningRequests.newKeyPair();
        ByteString csr = ByteString.copyFrom(
                SigningRequests.create(keys, config.nodeId()));
        untilAnswered(config, config.joinEndpoints(), builder -> builder.sslContext(trustOnly), (channel, id) -> {
            JoinReply joined = MembershipServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RequestHeader.of(id)))
                    .join(joinRequest(config, config.joinEndpoints(), config.apiAddress().toString(),
                            config.capabilities().encode(), csr));
            if (joined.getCertificatePem().isEmpty()) {
                throw new IOException("the cluster at " + channel.authority() + " let " + config.nodeId()
                        + " join but issued no certificate: does it run with TLS?");
            }
            Files.createDirectories(files.certificate().toAbsolutePath().getParent());
            Files.createDirectories(files.privateKey().toAbsolutePath().getParent());
            Pem.writePrivate(files.privateKey(), Pem.encode(keys.getPrivate()));
            Pem.writePublic(files.certificate(), joined.getCertificatePem());
            LOG.info("{}: Joined the cluster through {} at index {}; wrote the certificate it issued to {}.",
                    config.nodeId(), channel.authority(), joined.getIndex(), files.certificate());
            return joined;
        });
    }

    /** One attempt through one endpoint, carrying the request identity every attempt shares. */
    private interface Attempt<T> {
        T on(ManagedChannel channel, io.meridian.proto.RequestId id) throws IOException;
    }

    /**
     * Tries the endpoints in turn with one request identity until one answers, within the write
     * timeout: an endpoint that is unavailable or slow is left for the next; any other refusal ends
     * the join.
     */
    private static <T> T untilAnswered(NodeConfig config, List<HostPort> endpoints,
            java.util.function.UnaryOperator<NettyChannelBuilder> transport, Attempt<T> attempt) throws IOException {
        long deadline = System.nanoTime() + config.tuning().writeTimeout().toNanos();
        List<ManagedChannel> channels = new ArrayList<>();
        for (HostPort endpoint : endpoints) {
            channels.add(transport.apply(NettyChannelBuilder.forTarget(endpoint.toString())).build());
        }
        RequestSession.Request request = new RequestSession().begin();
        try {
            String lastProblem = "";
            int tried = 0;
            while (System.nanoTime() - deadline < 0) {
                ManagedChannel channel = channels.get(tried++ % channels.size());
                try {
                    return attempt.on(channel, request.id());
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                        lastProblem = channel.authority() + ": " + e.getStatus().getDescription();
                        sleep();
                        continue;
                    }
                    throw new IOException("the cluster refused to let " + config.nodeId() + " join: "
                            + e.getStatus().getDescription(), e);
                }
            }
            throw new IOException("no endpoint of " + endpoints + " let " + config.nodeId() + " join "
                    + "within " + config.tuning().writeTimeout().toMillis() + " ms (last: " + lastProblem + ")");
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    private static JoinRequest joinRequest(NodeConfig config, List<HostPort> endpoints, String apiAddress,
            byte[] capabilities, ByteString csr) throws IOException {
        Secret token = config.joinToken().orElseThrow(() -> new IOException("node " + config.nodeId() + " is not a "
                + "member of the cluster at " + endpoints + " yet; it needs a join token (issue one "
                + "with `meridian token issue`)"));
        return JoinRequest.newBuilder()
                .setToken(token.reveal())
                .setCsr(csr)
                .setNode(JoinNode.newBuilder()
                        .setNodeId(config.nodeId())
                        .setRaftAddress(config.raftAddress().toString())
                        .setApiAddress(apiAddress)
                        .addAllLabels(Labels.toProto(config.labels()))
                        .setRequestedRole(config.joinRole().toProto()))
                .setAdvertisement(AdvertiseNode.newBuilder()
                        .setNodeId(config.nodeId())
                        .setApiAddress(apiAddress)
                        .addAllLabels(Labels.toProto(config.labels()))
                        .setSoftwareVersion(config.softwareVersion())
                        .setCapabilities(ByteString.copyFrom(capabilities)))
                .build();
    }

    private static Optional<NodeRecord> member(TopologyReply topology, String nodeId) {
        return topology.getNodesList().stream().map(NodeInfo::getNode)
                .filter(node -> node.getNodeId().equals(nodeId)).findFirst();
    }

    /** The cluster's members as Raft peers, for this node's first writes. */
    private static List<RaftPeer> members(TopologyReply topology) {
        List<RaftPeer> peers = new ArrayList<>();
        for (NodeInfo info : topology.getNodesList()) {
            NodeRecord node = info.getNode();
            if (node.getState() != NodeStateProto.NODE_STATE_DECOMMISSIONED) {
                peers.add(RaftPeer.newBuilder().setId(node.getNodeId()).setAddress(node.getRaftAddress()).build());
            }
        }
        return peers;
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(RETRY_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while joining", e);
        }
    }
}
