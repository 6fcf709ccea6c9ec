package io.meridian.node.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.apply.Outcomes;
import io.meridian.core.session.SessionApplier;
import io.meridian.node.leader.PlacementScheduler;
import io.meridian.node.raft.WriteFailure;
import io.meridian.node.security.Authorization;
import io.meridian.node.security.CallerContext;
import io.meridian.proto.AccessRole;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.WriteReply;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every API service does the same way: a write gets the caller's request identity and
 * identity stamped, is checked with the leader's stateless checks and submitted into Raft; a read
 * waits for a read index, checks the caller may still read, and answers from this node's image;
 * a call the leader answers is forwarded to it.
 *
 * <p>Thread-safe.
 */
final class ApiCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ApiCalls.class);
    static final Duration FORWARD_DEADLINE = Duration.ofSeconds(10);

    private final NodeRuntime node;

    ApiCalls(NodeRuntime node) {
        this.node = node;
    }

    NodeRuntime node() {
        return node;
    }

    /** The caller of the current call; the interceptor establishes it for every call. */
    static CallerContext caller() {
        return CallerContext.current().orElseThrow(() -> new IllegalStateException("a call the access interceptor "
                + "did not see"));
    }

    // ---- Writes. ----

    void write(MetadataEntry entry, StreamObserver<WriteReply> out) {
        submit(entry, out, ApiErrors::rejected);
    }

    /** The entry with the request identity and the caller the current call carries. */
    static MetadataEntry identified(MetadataEntry entry) {
        MetadataEntry.Builder builder = entry.toBuilder();
        RequestIdentity.current().ifPresent(builder::setRequest);
        CallerContext.current().flatMap(CallerContext::toProto).ifPresent(builder::setCaller);
        return builder.build();
    }

    /** The stateless checks the leader will make, made here so that a malformed write costs no round trip. */
    static Optional<Rejection> admissible(MetadataEntry entry) {
        return EntryValidator.validate(entry).or(() -> entry.hasRequest()
                ? SessionApplier.validate(entry.getRequest()).map(bad -> bad.prefixed("request identity"))
                : Optional.empty());
    }

    void submit(MetadataEntry unidentified, StreamObserver<WriteReply> out,
            Function<Rejection, StatusRuntimeException> onRejection) {
        submitThen(unidentified, out, onRejection, outcome -> WriteReply.newBuilder().setIndex(outcome.getIndex())
                .setTerm(outcome.getTerm()).addAllChanges(outcome.getApplied().getChangesList()).build());
    }

    /** Submits the entry and answers with what {@code reply} makes of its applied outcome. */
    <T> void submitThen(MetadataEntry unidentified, StreamObserver<T> out,
            Function<Rejection, StatusRuntimeException> onRejection, Function<EntryOutcome, T> reply) {
        submitStamped(identified(unidentified), out, onRejection, reply);
    }

    /**
     * The entry with the current call's request identity and no caller (a join: the token is its
     * credential, whoever sends it).
     */
    static MetadataEntry withoutCaller(MetadataEntry unidentified) {
        MetadataEntry.Builder entry = unidentified.toBuilder().clearCaller();
        RequestIdentity.current().ifPresent(entry::setRequest);
        return entry.build();
    }

    /** Submits an entry already stamped with what it carries (see {@link #withoutCaller}). */
    <T> void submitIdentified(MetadataEntry entry, StreamObserver<T> out,
            Function<Rejection, StatusRuntimeException> onRejection, Function<EntryOutcome, T> reply) {
        submitStamped(entry, out, onRejection, reply);
    }

    private <T> void submitStamped(MetadataEntry entry, StreamObserver<T> out,
            Function<Rejection, StatusRuntimeException> onRejection, Function<EntryOutcome, T> reply) {
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
                T answer;
                try {
                    answer = reply.apply(outcome);
                } catch (StatusRuntimeException e) {
                    out.onError(e);
                    return;
                }
                out.onNext(answer);
                out.onCompleted();
            }
        });
    }

    static Rejection rejection(EntryOutcome outcome) {
        return Outcomes.fromProto(outcome.getRejection());
    }

    StatusRuntimeException asStatus(Throwable error) {
        if (error instanceof WriteFailure failure) {
            return ApiErrors.failed(failure);
        }
        LOG.warn("{}: A write failed unexpectedly.", node.nodeId(), error);
        return ApiErrors.unavailable(Status.Code.UNAVAILABLE, true, "the write failed: " + error);
    }

    // ---- Reads. ----

    /** A linearizable read (unless stale) that the caller must still be allowed after the read index. */
    <T> void read(boolean stale, StreamObserver<T> out, Function<MetadataImage, T> view) {
        read(stale, AccessRole.ACCESS_ROLE_READER, out, view);
    }

    <T> void read(boolean stale, AccessRole needed, StreamObserver<T> out, Function<MetadataImage, T> view) {
        Optional<StatusRuntimeException> corrupt = corruptRefusal();
        if (corrupt.isPresent()) {
            out.onError(corrupt.get());
            return;
        }
        CallerContext caller = caller();
        CompletableFuture<Void> barrier = stale ? CompletableFuture.completedFuture(null) : node.gateway().readBarrier();
        barrier.whenComplete((ignored, error) -> {
            if (error != null) {
                out.onError(ApiErrors.readUnavailable(error));
                return;
            }
            MetadataImage image = node.stateMachine().image();
            Optional<Status> refused = Authorization.recheck(image.access(), caller, needed);
            if (refused.isPresent()) {
                out.onError(refused.get().asRuntimeException());
                return;
            }
            T reply;
            try {
                reply = view.apply(image);
            } catch (StatusRuntimeException e) {
                out.onError(e);
                return;
            }
            out.onNext(reply);
            out.onCompleted();
        });
    }

    /** A diverged replica serves no reads: its state is not the cluster's. */
    Optional<StatusRuntimeException> corruptRefusal() {
        return node.corrupt().map(alarm -> ApiErrors.unavailable(Status.Code.UNAVAILABLE, false, "node "
                + node.nodeId() + " serves no reads: it has a CORRUPT alarm (" + alarm.getDetail() + ")"));
    }

    // ---- Calls the leader answers. ----

    /** Answers from the scheduler when this node leads, else asks the leader on the caller's behalf. */
    <T> void onLeader(StreamObserver<T> out, Function<PlacementScheduler, T> local,
            Function<io.grpc.Channel, T> forward) {
        T reply;
        try {
            Optional<PlacementScheduler> scheduler = node.placement();
            if (scheduler.isPresent()) {
                reply = local.apply(scheduler.get());
            } else {
                Optional<io.grpc.Channel> leader = node.leaderChannel();
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
}
