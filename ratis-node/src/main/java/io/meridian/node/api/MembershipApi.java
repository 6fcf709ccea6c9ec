package io.meridian.node.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.TokenHash;
import io.meridian.core.token.TokenState;
import io.meridian.node.HostPort;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinReply;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.MembershipServiceGrpc;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.TakeSnapshotReply;
import io.meridian.proto.TakeSnapshotRequest;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TokenIssued;
import io.meridian.proto.TokenRevoked;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TransferLeadershipReply;
import io.meridian.proto.TransferLeadershipRequest;
import io.meridian.proto.WriteReply;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.CertificateSubject;
import io.meridian.security.Pem;
import io.meridian.security.TlsException;
import io.meridian.wire.JoinTokens;
import io.meridian.wire.RequestHeader;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is in the cluster: topology changes, join tokens, joining (with the certificate a joining
 * node leaves with), and the metadata group's administration. Join tokens are drawn here and only
 * their hashes go further.
 *
 * <p>Thread-safe.
 */
public final class MembershipApi extends MembershipServiceGrpc.MembershipServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipApi.class);
    private static final long DEFAULT_TOKEN_TTL_MS = 3_600_000L;
    private static final long MAX_TOKEN_TTL_MS = 30L * 86_400_000L;
    private static final int MIN_HASH_PREFIX = 6;
    private static final String INVALID_TOKEN = "invalid or expired token";
    /** How long the certificate a joining node leaves with is valid. */
    private static final Duration NODE_CERTIFICATE_VALIDITY = Duration.ofDays(365);

    private final ApiCalls calls;
    private final NodeRuntime node;
    private final JoinThrottle throttle = new JoinThrottle(System::currentTimeMillis);

    public MembershipApi(NodeRuntime node) {
        this.node = node;
        this.calls = new ApiCalls(node);
    }

    @Override
    public void changeTopology(TopologyChange request, StreamObserver<WriteReply> out) {
        switch (request.getChangeCase()) {
            case BOOTSTRAP -> out.onError(ApiErrors.invalid("the cluster is bootstrapped by its first leader, not "
                    + "through the API"));
            case JOIN -> out.onError(ApiErrors.invalid("nodes join with a token: use Join"));
            default -> calls.write(MetadataEntry.newBuilder().setTopology(request).build(), out);
        }
    }

    // ---- Joining. ----

    @Override
    public void join(JoinRequest request, StreamObserver<JoinReply> reply) {
        String source = RemoteAddress.current();
        OptionalLong wait = throttle.waitMs(source);
        if (wait.isPresent()) {
            LOG.warn("{}: Turned away a join from {}: {} refused joins within {} s.", node.nodeId(), source,
                    JoinThrottle.MAX_FAILURES, JoinThrottle.WINDOW_MS / 1000);
            reply.onError(ApiErrors.unavailable(Status.Code.RESOURCE_EXHAUSTED, false, "too many refused joins from "
                    + source + "; try again in " + (wait.getAsLong() + 999) / 1000 + " s"));
            return;
        }
        StreamObserver<JoinReply> out = throttled(source, reply);
        String token = request.getToken();
        if (token.isEmpty() || token.length() > JoinTokens.MAX_LENGTH) {
            out.onError(Status.PERMISSION_DENIED.withDescription(INVALID_TOKEN).asRuntimeException());
            return;
        }
        if (!request.hasNode()) {
            out.onError(ApiErrors.invalid("a join names the node that joins"));
            return;
        }
        if (request.hasAdvertisement()
                && !request.getAdvertisement().getNodeId().equals(request.getNode().getNodeId())) {
            out.onError(ApiErrors.invalid("the advertisement is for " + Validation.printable(
                    request.getAdvertisement().getNodeId()) + ", not for the joining node " + Validation.printable(
                    request.getNode().getNodeId())));
            return;
        }
        Optional<Rejection> badNode = EntryValidator.validate(MetadataEntry.newBuilder()
                .setTopology(TopologyChange.newBuilder().setJoin(request.getNode())).build())
                .or(() -> request.hasAdvertisement() ? EntryValidator.validate(MetadataEntry.newBuilder()
                        .setTopology(TopologyChange.newBuilder().setAdvertise(request.getAdvertisement())).build())
                        : Optional.empty());
        if (badNode.isPresent()) {
            out.onError(ApiErrors.rejected(badNode.get()));
            return;
        }
        boolean wantsCertificate = !request.getCsr().isEmpty();
        if (wantsCertificate && !node.secure()) {
            out.onError(ApiErrors.invalid("this cluster runs without TLS: it signs no certificates; join without a "
                    + "certificate signing request"));
            return;
        }
        Optional<CertificateAuthority> ca = wantsCertificate ? node.certificateAuthority() : Optional.empty();
        if (wantsCertificate && ca.isEmpty()) {
            forwardJoin(request, out);
            return;
        }
        // The batch carries the call's request identity, stamped now: the signing below may wait for
        // a read index on another thread.
        MetadataEntry batch = ApiCalls.withoutCaller(joinBatch(request, token));
        if (ca.isEmpty()) {
            submitJoin(request, batch, Optional.empty(), "", out);
            return;
        }
        // The token check before signing reads this node's state: first catch up with the leader,
        // so a token issued a moment ago through another node is known here.
        node.gateway().readBarrier().whenComplete((ignored, error) -> {
            if (error != null) {
                out.onError(ApiErrors.readUnavailable(error));
                return;
            }
            X509Certificate certificate;
            try {
                certificate = sign(ca.get(), request, token);
            } catch (StatusRuntimeException e) {
                out.onError(e);
                return;
            }
            submitJoin(request, batch, Optional.of(Pem.encode(certificate)), Pem.encode(ca.get().certificate()), out);
        });
    }

    private void submitJoin(JoinRequest request, MetadataEntry batch, Optional<String> certificatePem, String caPem,
            StreamObserver<JoinReply> out) {
        calls.submitIdentified(batch, out, rejection -> rejection.batchEntry() == 0
                ? Status.PERMISSION_DENIED.withDescription(INVALID_TOKEN).asRuntimeException()
                : ApiErrors.rejected(rejection), outcome -> {
                    JoinReply.Builder answer = JoinReply.newBuilder().setIndex(outcome.getIndex())
                            .setTerm(outcome.getTerm()).addAllChanges(outcome.getApplied().getChangesList());
                    certificatePem.ifPresent(pem -> answer.setCertificatePem(pem).setCaCertificatePem(caPem));
                    if (certificatePem.isPresent()) {
                        LOG.info("{}: Signed a node certificate for {}, which joined at index {}.", node.nodeId(),
                                request.getNode().getNodeId(), outcome.getIndex());
                    }
                    return answer.build();
                });
    }

    private static MetadataEntry joinBatch(JoinRequest request, String token) {
        RaftRoleProto role = requestedRole(request);
        Batch.Builder batch = Batch.newBuilder()
                .addEntries(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                        .setTokenHash(JoinTokens.hash(token))
                        .setConsumed(TokenConsumed.newBuilder()
                                .setNodeId(request.getNode().getNodeId())
                                .setPresentedRole(role)
                                .addAllPresentedLabels(request.getNode().getLabelsList()))))
                .addEntries(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setJoin(request.getNode())));
        if (request.hasAdvertisement()) {
            AdvertiseNode advertisement = request.getAdvertisement();
            batch.addEntries(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                    .setAdvertise(advertisement)));
        }
        return MetadataEntry.newBuilder().setBatch(batch).build();
    }

    private static RaftRoleProto requestedRole(JoinRequest request) {
        return request.getNode().getRequestedRole() == RaftRoleProto.RAFT_ROLE_UNSPECIFIED
                ? RaftRoleProto.RAFT_ROLE_VOTER : request.getNode().getRequestedRole();
    }

    /**
     * Signs the joining node's request, before the log, with what the token binds: the node's id as
     * its identity, the NODE role, the token's labels (else the node's) and Raft role, and the hosts
     * of its addresses. The token must be one this node knows as usable by this node; the batch that
     * consumes it decides for good, and the certificate leaves only if it applies.
     */
    private X509Certificate sign(CertificateAuthority ca, JoinRequest request, String token) {
        String nodeId = request.getNode().getNodeId();
        Optional<JoinToken> known = node.stateMachine().image().joinTokens().token(TokenHash.of(JoinTokens.hash(token)));
        boolean usable = known.isPresent() && (known.get().state() == TokenState.ISSUED
                || (known.get().state() == TokenState.CONSUMED && known.get().consumedBy().equals(nodeId)));
        if (!usable) {
            throw Status.PERMISSION_DENIED.withDescription(INVALID_TOKEN).asRuntimeException();
        }
        SortedMap<String, String> labels = new TreeMap<>();
        if (known.get().boundLabels().isEmpty()) {
            request.getNode().getLabelsList().forEach(label -> labels.put(label.getKey(), label.getValue()));
        } else {
            labels.putAll(known.get().boundLabels());
        }
        RaftRoleProto raftRole = known.get().boundRole().map(r -> r.toProto()).orElse(requestedRole(request));
        List<String> hosts = new ArrayList<>();
        for (String address : List.of(request.getNode().getRaftAddress(), request.getNode().getApiAddress())) {
            if (!address.isEmpty()) {
                String host = HostPort.parse("address", address).host();
                if (!hosts.contains(host)) {
                    hosts.add(host);
                }
            }
        }
        CertificateSubject subject = new CertificateSubject(nodeId, AccessRole.ACCESS_ROLE_NODE, hosts, labels,
                raftRole == RaftRoleProto.RAFT_ROLE_LEARNER ? "learner" : "voter");
        try {
            return ca.sign(request.getCsr().toByteArray(), subject, NODE_CERTIFICATE_VALIDITY);
        } catch (TlsException e) {
            throw ApiErrors.invalid("the certificate signing request: " + e.getMessage());
        }
    }

    /** This node holds no CA key: the leader signs (with the request's identity, so a retry stays one join). */
    private void forwardJoin(JoinRequest request, StreamObserver<JoinReply> out) {
        Optional<io.grpc.Channel> leader = node.isLeader() ? Optional.empty() : node.leaderChannel();
        if (leader.isEmpty()) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("node " + node.nodeId() + " holds no CA key to "
                    + "sign the joining node's certificate" + (node.isLeader() ? "" : ", and knows no leader to ask")
                    + "; start voters with --ca-key").asRuntimeException());
            return;
        }
        MembershipServiceGrpc.MembershipServiceBlockingStub stub = MembershipServiceGrpc.newBlockingStub(leader.get())
                .withDeadlineAfter(ApiCalls.FORWARD_DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        Optional<io.meridian.proto.RequestId> id = RequestIdentity.current();
        if (id.isPresent()) {
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RequestHeader.of(id.get())));
        }
        try {
            out.onNext(stub.join(request));
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    /** Counts the source's refused joins, and forgets them when it joins. */
    private StreamObserver<JoinReply> throttled(String source, StreamObserver<JoinReply> out) {
        return new StreamObserver<>() {
            @Override
            public void onNext(JoinReply value) {
                throttle.succeeded(source);
                out.onNext(value);
            }

            @Override
            public void onError(Throwable error) {
                if (Status.fromThrowable(error).getCode() == Status.Code.PERMISSION_DENIED) {
                    throttle.failed(source);
                    LOG.info("{}: Refused a join from {}: {}.", node.nodeId(), source, INVALID_TOKEN);
                }
                out.onError(error);
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }

    // ---- Tokens. ----

    @Override
    public void issueToken(IssueTokenRequest request, StreamObserver<IssueTokenReply> out) {
        long ttl = request.getTtlMs() == 0 ? DEFAULT_TOKEN_TTL_MS : request.getTtlMs();
        if (ttl < 1_000 || ttl > MAX_TOKEN_TTL_MS) {
            out.onError(ApiErrors.invalid("a token lives from 1s to 30d, not " + Long.toUnsignedString(ttl) + " ms"));
            return;
        }
        if (!request.getToken().isEmpty() && !JoinTokens.wellFormed(request.getToken())) {
            out.onError(ApiErrors.invalid("a token the caller draws is " + JoinTokens.PREFIX + " and "
                    + JoinTokens.RANDOM_BYTES * 2 + " lowercase hex digits from a secure random source"));
            return;
        }
        String token = request.getToken().isEmpty() ? JoinTokens.draw() : request.getToken();
        ByteString hash = JoinTokens.hash(token);
        MetadataEntry entry = ApiCalls.identified(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition
                .newBuilder()
                .setTokenHash(hash)
                .setIssued(TokenIssued.newBuilder()
                        .setTtlMs(ttl)
                        .setBoundRole(request.getRole())
                        .addAllBoundLabels(request.getLabelsList())))
                .build());
        Optional<Rejection> invalid = ApiCalls.admissible(entry);
        if (invalid.isPresent()) {
            out.onError(ApiErrors.rejected(invalid.get()));
            return;
        }
        node.gateway().submit(entry)
                .thenCompose(outcome -> outcome.hasRejection() ? CompletableFuture.completedFuture(outcome)
                        : node.gateway().readBarrier().thenApply(applied -> outcome))
                .whenComplete((outcome, error) -> {
                    if (error != null) {
                        out.onError(calls.asStatus(error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error));
                    } else if (outcome.hasRejection()) {
                        out.onError(ApiErrors.rejected(ApiCalls.rejection(outcome)));
                    } else {
                        // The expiry is the logical time the entry was applied at plus the ttl: read
                        // it from this node's image, which the read barrier brought past the entry.
                        long expiresAt = node.stateMachine().image().joinTokens().token(TokenHash.of(hash))
                                .map(JoinToken::expiresAtMs).orElse(0L);
                        out.onNext(IssueTokenReply.newBuilder()
                                .setToken(token)
                                .setHashPrefix(TokenHash.of(hash).shortHex())
                                .setExpiresAtMs(expiresAt)
                                .setIndex(outcome.getIndex())
                                .build());
                        out.onCompleted();
                    }
                });
    }

    @Override
    public void revokeToken(RevokeTokenRequest request, StreamObserver<WriteReply> out) {
        String prefix = request.getHashPrefix().toLowerCase(Locale.ROOT);
        if (prefix.length() < MIN_HASH_PREFIX || !prefix.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            out.onError(ApiErrors.invalid("name the token by at least " + MIN_HASH_PREFIX + " hex characters of its "
                    + "hash, as `token list` shows them; got '" + Validation.printable(request.getHashPrefix()) + "'"));
            return;
        }
        // The write below leaves this call's thread: stamp the identity and caller now.
        MetadataEntry.Builder stamp = ApiCalls.identified(MetadataEntry.getDefaultInstance()).toBuilder();
        node.gateway().readBarrier().whenComplete((ignored, error) -> {
            if (error != null) {
                out.onError(ApiErrors.readUnavailable(error));
                return;
            }
            List<JoinToken> matches = node.stateMachine().image().joinTokens().withHexPrefix(prefix);
            if (matches.isEmpty()) {
                out.onError(ApiErrors.notFound("no token's hash starts with " + prefix));
            } else if (matches.size() > 1) {
                StringBuilder which = new StringBuilder();
                matches.forEach(t -> which.append(which.length() == 0 ? "" : ", ").append(t.hash().shortHex()));
                out.onError(ApiErrors.invalid("hash prefix " + prefix + " is ambiguous: it matches " + which
                        + "; give more characters"));
            } else {
                calls.write(stamp.setJoinToken(JoinTokenTransition.newBuilder()
                        .setTokenHash(matches.get(0).hash().toByteString())
                        .setRevoked(TokenRevoked.newBuilder().setReason(request.getReason()))).build(), out);
            }
        });
    }

    @Override
    public void listTokens(ReadOptions request, StreamObserver<ListTokensReply> out) {
        calls.read(request.getStale(), AccessRole.ACCESS_ROLE_OPERATOR, out, Views::tokens);
    }

    // ---- Administration of the metadata group. ----

    @Override
    public void takeSnapshot(TakeSnapshotRequest request, StreamObserver<TakeSnapshotReply> out) {
        try {
            long index = node.takeSnapshot();
            out.onNext(TakeSnapshotReply.newBuilder().setNodeId(node.nodeId()).setIndex(index).build());
            out.onCompleted();
        } catch (IOException | RuntimeException e) {
            out.onError(Status.INTERNAL.withDescription("node " + node.nodeId() + " could not write a snapshot: "
                    + e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void transferLeadership(TransferLeadershipRequest request, StreamObserver<TransferLeadershipReply> out) {
        Optional<Rejection> bad = Validation.nodeId("new leader", request.getTo());
        if (bad.isPresent()) {
            out.onError(ApiErrors.rejected(bad.get()));
            return;
        }
        try {
            String previous = node.transferLeadership(request.getTo());
            out.onNext(TransferLeadershipReply.newBuilder().setPreviousLeader(previous).setLeader(request.getTo())
                    .build());
            out.onCompleted();
        } catch (IllegalArgumentException e) {
            out.onError(ApiErrors.rejected(new Rejection(RejectCode.REJECT_NOT_A_MEMBER, e.getMessage())));
        } catch (IOException | RuntimeException e) {
            out.onError(ApiErrors.unavailable(Status.Code.UNAVAILABLE, false, "leadership was not transferred to "
                    + request.getTo() + ": " + e.getMessage()));
        }
    }
}
