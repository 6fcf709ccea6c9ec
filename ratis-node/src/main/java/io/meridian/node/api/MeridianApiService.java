package io.meridian.node.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.routing.Shard;
import io.meridian.core.session.SessionApplier;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.TokenHash;
import io.meridian.node.leader.LoadStore;
import io.meridian.node.leader.PlacementScheduler;
import io.meridian.node.raft.WriteFailure;
import io.meridian.node.statemachine.ChangeFeed;
import io.meridian.core.apply.Outcomes;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.CapabilitiesReply;
import io.meridian.proto.CapabilityAdvertisement;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.GetEdgeCacheStatsRequest;
import io.meridian.proto.GetLoadRequest;
import io.meridian.proto.GetMigrationRequest;
import io.meridian.proto.GhostChange;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.ListEdgeCachesReply;
import io.meridian.proto.ListEdgeCachesRequest;
import io.meridian.proto.ListGhostsReply;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.ListMigrationsReply;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.LoadReply;
import io.meridian.proto.LoadReport;
import io.meridian.proto.LocalStatusRequest;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.LocateKeyRequest;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.MeridianServiceGrpc;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.PlanPlacementRequest;
import io.meridian.proto.PlanReasonRecord;
import io.meridian.proto.PlanReply;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ReportLoadReply;
import io.meridian.proto.ResolveGhostReply;
import io.meridian.proto.ResolveGhostRequest;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.RoutingCheckReply;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.SchedulerConfigRecord;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SchedulerStatusReply;
import io.meridian.proto.SchedulerStatusRequest;
import io.meridian.proto.StatusReply;
import io.meridian.proto.StatusRequest;
import io.meridian.proto.TakeSnapshotReply;
import io.meridian.proto.TakeSnapshotRequest;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TokenIssued;
import io.meridian.proto.TokenRevoked;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TopologyReply;
import io.meridian.proto.TransferLeadershipReply;
import io.meridian.proto.TransferLeadershipRequest;
import io.meridian.proto.WatchEvent;
import io.meridian.proto.WatchRequest;
import io.meridian.proto.WriteReply;
import io.meridian.wire.JoinTokens;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC API of one node. Writes are checked here with the same stateless checks the leader
 * makes (a malformed request costs no Raft round trip), then submitted into Raft; reads wait for a
 * read index and answer from this node's image. Join tokens are drawn here and only their hashes
 * go further.
 *
 * <p>Thread-safe; calls run on gRPC's executor, watch streams on their own.
 */
public final class MeridianApiService extends MeridianServiceGrpc.MeridianServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(MeridianApiService.class);
    private static final long DEFAULT_TOKEN_TTL_MS = 3_600_000L;
    private static final long MAX_TOKEN_TTL_MS = 30L * 86_400_000L;
    private static final int MIN_HASH_PREFIX = 6;
    private static final Duration STATUS_DEADLINE = Duration.ofSeconds(2);
    private static final String INVALID_TOKEN = "invalid or expired token";
    private static final Duration FORWARD_DEADLINE = Duration.ofSeconds(10);

    private final NodeRuntime node;
    private final ExecutorService watchExecutor;
    private final JoinThrottle throttle = new JoinThrottle(System::currentTimeMillis);

    public MeridianApiService(NodeRuntime node, ExecutorService watchExecutor) {
        this.node = node;
        this.watchExecutor = watchExecutor;
    }

    // ---- Writes. ----

    @Override
    public void changeTopology(TopologyChange request, StreamObserver<WriteReply> out) {
        switch (request.getChangeCase()) {
            case BOOTSTRAP -> out.onError(ApiErrors.invalid("the cluster is bootstrapped by its first leader, not "
                    + "through the API"));
            case JOIN -> out.onError(ApiErrors.invalid("nodes join with a token: use Join"));
            default -> write(MetadataEntry.newBuilder().setTopology(request).build(), out);
        }
    }

    @Override
    public void join(JoinRequest request, StreamObserver<WriteReply> reply) {
        String source = RemoteAddress.current();
        OptionalLong wait = throttle.waitMs(source);
        if (wait.isPresent()) {
            LOG.warn("{}: Turned away a join from {}: {} refused joins within {} s.", node.nodeId(), source,
                    JoinThrottle.MAX_FAILURES, JoinThrottle.WINDOW_MS / 1000);
            reply.onError(ApiErrors.unavailable(Status.Code.RESOURCE_EXHAUSTED, false, "too many refused joins from "
                    + source + "; try again in " + (wait.getAsLong() + 999) / 1000 + " s"));
            return;
        }
        StreamObserver<WriteReply> out = throttled(source, reply);
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
        RaftRoleProto role = request.getNode().getRequestedRole() == RaftRoleProto.RAFT_ROLE_UNSPECIFIED
                ? RaftRoleProto.RAFT_ROLE_VOTER : request.getNode().getRequestedRole();
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
        MetadataEntry entry = MetadataEntry.newBuilder().setBatch(batch).build();
        submit(entry, out, rejection -> rejection.batchEntry() == 0
                ? Status.PERMISSION_DENIED.withDescription(INVALID_TOKEN).asRuntimeException()
                : ApiErrors.rejected(rejection));
    }

    /** Counts the source's refused joins, and forgets them when it joins. */
    private StreamObserver<WriteReply> throttled(String source, StreamObserver<WriteReply> out) {
        return new StreamObserver<>() {
            @Override
            public void onNext(WriteReply value) {
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

    @Override
    public void changeRouting(RoutingChange request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setRouting(request).build(), out);
    }

    @Override
    public void place(PlacementCommand request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setPlacement(request).build(), out);
    }

    @Override
    public void checkpoint(MigrationCheckpoint request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setMigrationCheckpoint(request).build(), out);
    }

    @Override
    public void abortMigration(MigrationAbort request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setMigrationAbort(request).build(), out);
    }

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
        MetadataEntry entry = identified(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                .setTokenHash(hash)
                .setIssued(TokenIssued.newBuilder()
                        .setTtlMs(ttl)
                        .setBoundRole(request.getRole())
                        .addAllBoundLabels(request.getLabelsList())))
                .build());
        Optional<Rejection> invalid = admissible(entry);
        if (invalid.isPresent()) {
            out.onError(ApiErrors.rejected(invalid.get()));
            return;
        }
        node.gateway().submit(entry)
                .thenCompose(outcome -> outcome.hasRejection() ? CompletableFuture.completedFuture(outcome)
                        : node.gateway().readBarrier().thenApply(applied -> outcome))
                .whenComplete((outcome, error) -> {
                    if (error != null) {
                        out.onError(asStatus(error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error));
                    } else if (outcome.hasRejection()) {
                        out.onError(ApiErrors.rejected(rejection(outcome)));
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
                matches.forEach(token -> which.append(which.length() == 0 ? "" : ", ").append(token.hash().shortHex()));
                out.onError(ApiErrors.invalid("hash prefix " + prefix + " is ambiguous: it matches " + which
                        + "; give more characters"));
            } else {
                write(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                        .setTokenHash(matches.get(0).hash().toByteString())
                        .setRevoked(TokenRevoked.newBuilder().setReason(request.getReason()))).build(), out);
            }
        });
    }

    @Override
    public void changeGhost(GhostChange request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setGhost(request).build(), out);
    }

    @Override
    public void changeEdgeCache(EdgeCacheChange request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setEdgeCache(request).build(), out);
    }

    @Override
    public void advertiseCapabilities(CapabilityAdvertisement request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setCapabilityAdvertisement(request).build(), out);
    }

    @Override
    public void controlScheduler(SchedulerControl request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setSchedulerControl(request).build(), out);
    }

    @Override
    public void applyCatalogDdl(CatalogDdl request, StreamObserver<WriteReply> out) {
        write(MetadataEntry.newBuilder().setCatalogDdl(request).build(), out);
    }

    @Override
    public void applyBatch(Batch request, StreamObserver<WriteReply> out) {
        for (int i = 0; i < request.getEntriesCount(); i++) {
            Optional<String> refused = notThroughTheApi(request.getEntries(i));
            if (refused.isPresent()) {
                out.onError(ApiErrors.invalid("batch entry " + i + ": " + refused.get()));
                return;
            }
        }
        write(MetadataEntry.newBuilder().setBatch(request).build(), out);
    }

    /** Entries the API does not take as they are: each has its own call that adds what it needs. */
    private static Optional<String> notThroughTheApi(MetadataEntry entry) {
        if (entry.hasTopology() && entry.getTopology().hasBootstrap()) {
            return Optional.of("the cluster is bootstrapped by its first leader, not through the API");
        }
        if (entry.hasTopology() && entry.getTopology().hasJoin()) {
            return Optional.of("nodes join with a token: use Join");
        }
        if (entry.hasJoinToken() && (entry.getJoinToken().hasIssued() || entry.getJoinToken().hasConsumed())) {
            return Optional.of("tokens are issued with IssueToken and consumed with Join");
        }
        return Optional.empty();
    }

    private void write(MetadataEntry entry, StreamObserver<WriteReply> out) {
        submit(entry, out, ApiErrors::rejected);
    }

    /** The entry with the request identity the call carries, if it carries one. */
    private static MetadataEntry identified(MetadataEntry entry) {
        return RequestIdentity.current().map(id -> entry.toBuilder().setRequest(id).build()).orElse(entry);
    }

    /** The stateless checks the leader will make, made here so that a malformed write costs no round trip. */
    private static Optional<Rejection> admissible(MetadataEntry entry) {
        return EntryValidator.validate(entry).or(() -> entry.hasRequest()
                ? SessionApplier.validate(entry.getRequest()).map(bad -> bad.prefixed("request identity"))
                : Optional.empty());
    }

    private void submit(MetadataEntry unidentified, StreamObserver<WriteReply> out,
            Function<Rejection, StatusRuntimeException> onRejection) {
        MetadataEntry entry = identified(unidentified);
        Optional<Rejection> invalid = admissible(entry);
        if (invalid.isPresent()) {
            out.onError(onRejection.apply(invalid.get()));
            return;
        }
        node.gateway().submit(entry).whenComplete((outcome, error) -> {
            if (error != null) {
                if (error instanceof WriteFailure failure && failure.rejection().isPresent()) {
                    out.onError(onRejection.apply(failure.rejection().get()));
                } else {
                    out.onError(asStatus(error));
                }
            } else if (outcome.hasRejection()) {
                out.onError(onRejection.apply(rejection(outcome)));
            } else {
                out.onNext(WriteReply.newBuilder().setIndex(outcome.getIndex()).setTerm(outcome.getTerm())
                        .addAllChanges(outcome.getApplied().getChangesList()).build());
                out.onCompleted();
            }
        });
    }

    private static Rejection rejection(EntryOutcome outcome) {
        return Outcomes.fromProto(outcome.getRejection());
    }

    private StatusRuntimeException asStatus(Throwable error) {
        if (error instanceof WriteFailure failure) {
            return ApiErrors.failed(failure);
        }
        LOG.warn("{}: A write failed unexpectedly.", node.nodeId(), error);
        return ApiErrors.unavailable(Status.Code.UNAVAILABLE, true, "the write failed: " + error);
    }

    // ---- Administration. ----

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
            out.onError(ApiErrors.rejected(new Rejection(io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER,
                    e.getMessage())));
        } catch (IOException | RuntimeException e) {
            out.onError(ApiErrors.unavailable(Status.Code.UNAVAILABLE, false, "leadership was not transferred to "
                    + request.getTo() + ": " + e.getMessage()));
        }
    }

    // ---- Reads. ----

    private <T> void read(boolean stale, StreamObserver<T> out, Function<MetadataImage, T> view) {
        Optional<StatusRuntimeException> corrupt = corruptRefusal();
        if (corrupt.isPresent()) {
            out.onError(corrupt.get());
            return;
        }
        CompletableFuture<Void> barrier = stale ? CompletableFuture.completedFuture(null) : node.gateway().readBarrier();
        barrier.whenComplete((ignored, error) -> {
            if (error != null) {
                out.onError(ApiErrors.readUnavailable(error));
                return;
            }
            T reply;
            try {
                reply = view.apply(node.stateMachine().image());
            } catch (StatusRuntimeException e) {
                out.onError(e);
                return;
            }
            out.onNext(reply);
            out.onCompleted();
        });
    }

    /** A diverged replica serves no reads: its state is not the cluster's. */
    private Optional<StatusRuntimeException> corruptRefusal() {
        return node.corrupt().map(alarm -> ApiErrors.unavailable(Status.Code.UNAVAILABLE, false, "node "
                + node.nodeId() + " serves no reads: it has a CORRUPT alarm (" + alarm.getDetail() + ")"));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusReply> out) {
        MemberStatus self = node.localStatus();
        StatusReply.Builder reply = StatusReply.newBuilder()
                .setId(self.getId())
                .setRole(self.getRole())
                .setLeaderId(self.getLeaderId())
                .setTerm(self.getTerm())
                .setCommitIndex(self.getCommitIndex())
                .setAppliedIndex(self.getAppliedIndex())
                .setStateDigest(self.getStateDigest());
        List<MemberStatus> members = new java.util.ArrayList<>(node.otherMembers(STATUS_DEADLINE));
        members.add(self);
        members.sort(java.util.Comparator.comparing(MemberStatus::getId));
        reply.addAllMembers(members);
        out.onNext(reply.build());
        out.onCompleted();
    }

    @Override
    public void localStatus(LocalStatusRequest request, StreamObserver<MemberStatus> out) {
        out.onNext(node.localStatus());
        out.onCompleted();
    }

    @Override
    public void getTopology(ReadOptions request, StreamObserver<TopologyReply> out) {
        read(request.getStale(), out, Views::topology);
    }

    @Override
    public void getRouting(ReadOptions request, StreamObserver<RoutingReply> out) {
        read(request.getStale(), out, Views::routing);
    }

    @Override
    public void checkRouting(ReadOptions request, StreamObserver<RoutingCheckReply> out) {
        read(request.getStale(), out, Views::routingCheck);
    }

    @Override
    public void listShards(ListShardsRequest request, StreamObserver<ListShardsReply> out) {
        read(request.getStale(), out, image -> Views.shards(image, request));
    }

    @Override
    public void locateKey(LocateKeyRequest request, StreamObserver<LocateKeyReply> out) {
        read(request.getStale(), out, image -> Views.locate(image, request.getKey()));
    }

    @Override
    public void listMigrations(ListMigrationsRequest request, StreamObserver<ListMigrationsReply> out) {
        read(request.getStale(), out, image -> Views.migrations(image, request.getInFlightOnly()));
    }

    @Override
    public void getMigration(GetMigrationRequest request, StreamObserver<MigrationRecord> out) {
        read(request.getStale(), out, image -> Views.migration(image, request.getMigrationId()));
    }

    @Override
    public void listTokens(ReadOptions request, StreamObserver<ListTokensReply> out) {
        read(request.getStale(), out, Views::tokens);
    }

    @Override
    public void listGhosts(ListGhostsRequest request, StreamObserver<ListGhostsReply> out) {
        read(request.getStale(), out, image -> Views.ghosts(image, request));
    }

    @Override
    public void resolveGhost(ResolveGhostRequest request, StreamObserver<ResolveGhostReply> out) {
        read(request.getStale(), out, image -> Views.resolve(image, request.getEntityId(), request.getSourceShard()));
    }

    @Override
    public void listEdgeCaches(ListEdgeCachesRequest request, StreamObserver<ListEdgeCachesReply> out) {
        read(request.getStale(), out, image -> Views.edgeCaches(image, request.getGeo()));
    }

    @Override
    public void getEdgeCacheStats(GetEdgeCacheStatsRequest request, StreamObserver<EdgeCacheNodeRecord> out) {
        read(request.getStale(), out, image -> Views.edgeCacheStats(image, request.getNodeId()));
    }

    @Override
    public void getCapabilities(ReadOptions request, StreamObserver<CapabilitiesReply> out) {
        read(request.getStale(), out, Views::capabilities);
    }

    @Override
    public void getSchedulerConfig(ReadOptions request, StreamObserver<SchedulerConfigRecord> out) {
        read(request.getStale(), out, image -> image.scheduler().toProto());
    }

    @Override
    public void getCatalog(GetCatalogRequest request, StreamObserver<GetCatalogReply> out) {
        read(request.getStale(), out, image -> Views.catalog(image, request));
    }

    // ---- Load and the scheduler: the leader answers; another node forwards the call to it. ----

    @Override
    public void reportLoad(LoadReport request, StreamObserver<ReportLoadReply> out) {
        Optional<String> problem = LoadStore.problem(request);
        if (problem.isPresent()) {
            out.onError(ApiErrors.invalid(problem.get()));
            return;
        }
        onLeader(out, scheduler -> {
            if (node.stateMachine().image().topology().node(request.getNodeId()).isEmpty()) {
                throw ApiErrors.notFound("node " + request.getNodeId() + " is not in the cluster's topology; only "
                        + "members report load");
            }
            MetadataImage image = node.stateMachine().image();
            node.load().accept(request, id -> image.routing().shard(id).map(Shard::epoch).orElse(-1L));
            return ReportLoadReply.newBuilder().setLeaderId(node.nodeId()).build();
        }, leader -> leader.reportLoad(request));
    }

    @Override
    public void getLoad(GetLoadRequest request, StreamObserver<LoadReply> out) {
        onLeader(out, scheduler -> Views.load(node.stateMachine().image(), node.load().view(), node.liveness(),
                node.load().now(), request).setLeaderId(node.nodeId()).build(), leader -> leader.getLoad(request));
    }

    @Override
    public void getSchedulerStatus(SchedulerStatusRequest request, StreamObserver<SchedulerStatusReply> out) {
        onLeader(out, scheduler -> scheduler.statusReply(node.nodeId()), leader -> leader.getSchedulerStatus(request));
    }

    @Override
    public void planPlacement(PlanPlacementRequest request, StreamObserver<PlanReply> out) {
        onLeader(out, scheduler -> {
            PlanReply.Builder plan = PlacementScheduler.planRecord(scheduler.dryRun()).setLeaderId(node.nodeId());
            if (node.stateMachine().image().scheduler().paused()) {
                plan.addReasons(0, PlanReasonRecord.newBuilder().setSubject("scheduler")
                        .setReason("paused: a tick proposes none of this until it is resumed"));
            }
            return plan.build();
        }, leader -> leader.planPlacement(request));
    }

    /** Answers from the scheduler when this node leads, else asks the leader. */
    private <T> void onLeader(StreamObserver<T> out, Function<PlacementScheduler, T> local,
            Function<MeridianServiceGrpc.MeridianServiceBlockingStub, T> forward) {
        T reply;
        try {
            Optional<PlacementScheduler> scheduler = node.placement();
            if (scheduler.isPresent()) {
                reply = local.apply(scheduler.get());
            } else {
                Optional<MeridianServiceGrpc.MeridianServiceBlockingStub> leader = node.leaderStub(FORWARD_DEADLINE);
                if (leader.isEmpty()) {
                    out.onError(ApiErrors.unavailable(Status.Code.UNAVAILABLE, false, node.nodeId() + " knows no "
                            + "leader of the metadata group to ask"));
                    return;
                }
                reply = forward.apply(leader.get());
            }
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }

    // ---- Watch. ----

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
        ServerCallStreamObserver<WatchEvent> stream = (ServerCallStreamObserver<WatchEvent>) out;
        Object ready = new Object();
        stream.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        stream.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        watchExecutor.execute(() -> stream(request.getFromIndex(), stream, ready));
    }

    private void stream(long fromIndex, ServerCallStreamObserver<WatchEvent> stream, Object ready) {
        Optional<StatusRuntimeException> corrupt = corruptRefusal();
        if (corrupt.isPresent()) {
            stream.onError(corrupt.get());
            return;
        }
        ChangeFeed feed = node.stateMachine().feed();
        long next = fromIndex;
        try {
            while (!stream.isCancelled()) {
                if (node.isClosing()) {
                    stream.onError(Status.UNAVAILABLE.withDescription("node " + node.nodeId()
                            + " is shutting down; resume the watch on another node").asRuntimeException());
                    return;
                }
                List<WatchEvent> events = feed.read(next, 256, 500);
                for (WatchEvent event : events) {
                    synchronized (ready) {
                        while (!stream.isReady() && !stream.isCancelled() && !node.isClosing()) {
                            ready.wait(500);
                        }
                    }
                    if (stream.isCancelled()) {
                        return;
                    }
                    stream.onNext(event);
                    next = event.getIndex() + 1;
                }
            }
        } catch (ChangeFeed.CompactedException e) {
            stream.onError(Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.onError(Status.UNAVAILABLE.withDescription("node " + node.nodeId() + " is shutting down")
                    .asRuntimeException());
        } catch (RuntimeException e) {
            LOG.debug("{}: A watch stream ended: {}", node.nodeId(), e.toString());
        }
    }
}
