package io.meridian.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RejectionDetail;
import io.meridian.proto.Unavailable;
import io.meridian.proto.WatchEvent;
import io.meridian.proto.WatchRequest;
import io.meridian.proto.WatchServiceGrpc;
import io.meridian.security.TlsException;
import io.meridian.security.TlsFiles;
import io.meridian.security.TlsMaterial;
import io.meridian.wire.RequestHeader;
import io.meridian.wire.RequestSession;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The Java client of Meridian. Built from a list of API endpoints (any nodes of the cluster); a
 * call goes to the endpoint that answered last and moves on to the next one when a node is down,
 * paused or cut off. Nodes name the leader in their answers' headers; when the leader is one of
 * the endpoints, the next calls go to it, which spares each write the hop from a follower to the
 * leader.
 *
 * <p>Every write is a request of this client's session ({@link RequestSession}) and carries the
 * same identity on every attempt, so the cluster applies it at most once. A call that gets no
 * answer within the attempt timeout, or whose node cannot tell its outcome, is tried again on the
 * next endpoint until the call's timeout: a write whose outcome stays unknown to the end fails
 * with {@link UnavailableException#outcomeUnknown()}, which a leader change alone no longer
 * causes. A refusal is a {@link RejectedException} with the cluster's code.
 *
 * <p>The calls are grouped as the API's services are, by who may make them: {@link #metadata()}
 * (reads and watch), {@link #membership()}, {@link #placement()}, {@link #node()} (a data node's
 * own reports) and {@link #access()}. With {@link Builder#tls}, the client speaks TLS and presents
 * its certificate, whose identity and role the nodes check per service; without, plaintext.
 *
 * <p>Thread-safe; close it to release its channels and stop its watches.
 */
public final class MeridianClient implements AutoCloseable {

    /** How long one attempt waits for its node, unless the builder says otherwise. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    private static final long FIRST_PAUSE_MS = 50;
    /** A retry with less time left than this would time out before it connects. */
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(100);
    private static final long MAX_PAUSE_MS = 1_000;

    private final List<String> endpoints;
    private final List<ManagedChannel> channels;
    private final Duration timeout;
    private final Duration attemptTimeout;
    private final RequestSession session = new RequestSession();
    private final AtomicInteger preferred = new AtomicInteger();
    /** The endpoint the last answer named as the leader, or -1. */
    private final AtomicInteger leaderHint = new AtomicInteger(-1);
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The client's certificate and the CA it trusts, or null for plaintext. */
    private final TlsMaterial tls;
    private final MetadataClient metadata;
    private final MembershipClient membership;
    private final PlacementClient placement;
    private final NodeClient node;
    private final AccessClient access;

    private MeridianClient(List<String> endpoints, Duration timeout, Duration attemptTimeout, TlsMaterial tls) {
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.attemptTimeout = attemptTimeout;
        this.tls = tls;
        List<ManagedChannel> built = new ArrayList<>();
        for (String endpoint : endpoints) {
            NettyChannelBuilder channel = NettyChannelBuilder.forTarget(endpoint);
            if (tls == null) {
                channel.usePlaintext();
            } else {
                channel.negotiationType(NegotiationType.TLS).sslContext(tls.clientContext());
            }
            built.add(channel.maxInboundMessageSize(64 << 20).intercept(new LeaderHeader()).build());
        }
        this.channels = List.copyOf(built);
        this.metadata = new MetadataClient(this);
        this.membership = new MembershipClient(this);
        this.placement = new PlacementClient(this);
        this.node = new NodeClient(this);
        this.access = new AccessClient(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a client. */
    public static final class Builder {
        private final List<String> endpoints = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(10);
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private TlsFiles tls;

        /** API endpoints, host:port each. */
        public Builder endpoints(List<String> values) {
            for (String value : values) {
                String endpoint = value.trim();
                if (!endpoint.isEmpty()) {
                    endpoints.add(endpoint);
                }
            }
            return this;
        }

        /** API endpoints as {@code host:port,host:port}. */
        public Builder endpoints(String commaSeparated) {
            return endpoints(List.of(commaSeparated.split(",")));
        }

        /** How long one call may take, failovers included. */
        public Builder timeout(Duration value) {
            timeout = Objects.requireNonNull(value, "timeout");
            return this;
        }

        /**
         * How long one attempt at a call waits for its node before the call moves to the next
         * endpoint (a paused or cut-off node answers nothing); default 1 s, longer than a healthy
         * write takes even under load (and a slow attempt that is cut short is repeated under the
         * same identity, so it is never applied twice), shorter than a client's patience.
         */
        public Builder attemptTimeout(Duration value) {
            attemptTimeout = Objects.requireNonNull(value, "attemptTimeout");
            return this;
        }

        /**
         * Speaks TLS with this CA certificate, client certificate and private key; null (the
         * default) speaks plaintext, to a cluster running without TLS.
         */
        public Builder tls(TlsFiles files) {
            tls = files;
            return this;
        }

        /** The client; a TLS file that cannot be read or does not fit is an IllegalArgumentException. */
        public MeridianClient build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("a client needs at least one endpoint (host:port)");
            }
            for (String endpoint : endpoints) {
                int colon = endpoint.lastIndexOf(':');
                if (colon <= 0 || colon == endpoint.length() - 1
                        || !endpoint.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:port");
                }
            }
            if (timeout.isNegative() || timeout.isZero() || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
                throw new IllegalArgumentException("the timeouts must be positive");
            }
            TlsMaterial material = null;
            if (tls != null) {
                try {
                    material = TlsMaterial.load(tls);
                } catch (TlsException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
            try {
                return new MeridianClient(endpoints, timeout, attemptTimeout, material);
            } catch (RuntimeException e) {
                if (material != null) {
                    material.close();
                }
                throw e;
            }
        }
    }

    /** The endpoint the next call goes to first: the leader, once an answer named it among the endpoints. */
    public String currentEndpoint() {
        return endpoints.get(preferred.get());
    }

    public List<String> endpoints() {
        return endpoints;
    }


    /** Reads of the metadata, the members' status, and the watch of applied entries. */
    public MetadataClient metadata() {
        return metadata;
    }

    /** Topology changes, join tokens, joining, snapshots and leadership of the metadata group. */
    public MembershipClient membership() {
        return membership;
    }

    /** Routing, placement, ghosts, edge caches, the scheduler, the catalog, and the leader's load. */
    public PlacementClient placement() {
        return placement;
    }

    /** What a data node reports about itself: load, advertisements, checkpoints, edge-cache stats. */
    public NodeClient node() {
        return node;
    }

    /** Access bindings, the audit trail, and who the cluster takes this client to be. */
    public AccessClient access() {
        return access;
    }

    // ---- Watch. ----

    /** Starts a watch; {@link MetadataClient#watch} says what it does. */
    Subscription watch(long fromIndex, WatchListener listener) {
        Subscription subscription = new Subscription(fromIndex, listener);
        synchronized (subscriptions) {
            if (closed.get()) {
                throw new IllegalStateException("the client is closed");
            }
            subscriptions.add(subscription);
        }
        subscription.start();
        return subscription;
    }

    /** A running watch. */
    public final class Subscription implements AutoCloseable {
        private final WatchListener listener;
        private final Thread thread;
        private volatile long next;
        private volatile boolean stopped;
        private volatile Context.CancellableContext context;

        private Subscription(long fromIndex, WatchListener listener) {
            this.next = fromIndex;
            this.listener = listener;
            this.thread = new Thread(this::run, "meridian-watch");
            this.thread.setDaemon(true);
        }

        private void start() {
            thread.start();
        }

        /** The index the watch would resume from: the last delivered index + 1. */
        public long nextIndex() {
            return next;
        }

        private void run() {
            int endpoint = preferred.get();
            long backoffMs = 100;
            while (!stopped) {
                Context.CancellableContext call = Context.current().withCancellation();
                context = call;
                try {
                    int target = endpoint;
                    call.run(() -> {
                        Iterator<WatchEvent> events = WatchServiceGrpc.newBlockingStub(channels.get(target))
                                .watch(WatchRequest.newBuilder().setFromIndex(next).build());
                        while (!stopped && events.hasNext()) {
                            WatchEvent event = events.next();
                            if (event.getIndex() < next) {
                                continue;
                            }
                            listener.onEvent(event);
                            next = event.getIndex() + 1;
                        }
                    });
                    backoffMs = 100;
                } catch (StatusRuntimeException e) {
                    if (stopped) {
                        break;
                    }
                    Status.Code code = e.getStatus().getCode();
                    // Too old to resume from, or this caller may no longer read: no other node
                    // would answer differently.
                    if (code == Status.Code.OUT_OF_RANGE || code == Status.Code.PERMISSION_DENIED
                            || code == Status.Code.UNAUTHENTICATED) {
                        stopped = true;
                        listener.onError(new RejectedException(code, null, e.getStatus().getDescription(), -1, e));
                        break;
                    }
                    endpoint = (endpoint + 1) % channels.size();
                    sleep(backoffMs);
                    backoffMs = Math.min(2_000, backoffMs * 2);
                } finally {
                    call.cancel(null);
                }
            }
        }

        private void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }

        @Override
        public void close() {
            stopped = true;
            Context.CancellableContext current = context;
            if (current != null) {
                current.cancel(null);
            }
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- Calls, failover and errors. ----

    /** Notes the leader an answer's headers name, when it is one of this client's endpoints. */
    private final class LeaderHeader implements ClientInterceptor {

        /** The header the nodes set; see the node's LeaderHint. */
        private static final Metadata.Key<String> LEADER = Metadata.Key.of("meridian-leader",
                Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                Channel next) {
            return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata answer) {
                            String leader = answer.get(LEADER);
                            int index = leader == null ? -1 : endpoints.indexOf(leader);
                            if (index >= 0) {
                                leaderHint.set(index);
                            }
                            super.onHeaders(answer);
                        }
                    }, headers);
                }
            };
        }
    }

    /** The calls of one service, made with this client's failover, deadlines and request identity. */
    <S extends AbstractStub<S>> Calls<S> calls(Function<Channel, S> stubs) {
        return new Calls<>(stubs);
    }

    /**
     * How a sub-client calls its service: a read, a write (one request identity on every attempt,
     * retried when its outcome is unknown), one long attempt, or one endpoint without failover.
     */
    final class Calls<S extends AbstractStub<S>> {
        private final Function<Channel, S> stubs;

        private Calls(Function<Channel, S> stubs) {
            this.stubs = stubs;
        }

        <T> T write(Function<S, T> call) {
            return invoke(stubs, call, true, attemptTimeout);
        }

        <T> T read(Function<S, T> call) {
            return invoke(stubs, call, false, attemptTimeout);
        }

        /** A read whose one attempt may take the whole timeout. */
        <T> T readOnce(Function<S, T> call) {
            return invoke(stubs, call, false, timeout);
        }

        /** One attempt at the node at this endpoint, which must be one of the client's. */
        <T> T at(String endpoint, Function<S, T> call) {
            int index = endpoints.indexOf(endpoint);
            if (index < 0) {
                throw new IllegalArgumentException(endpoint + " is not one of this client's endpoints " + endpoints);
            }
            if (closed.get()) {
                throw new IllegalStateException("the client is closed");
            }
            try {
                return call.apply(stubs.apply(channels.get(index))
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                throw translate(e, false);
            }
        }
    }

    /**
     * Calls endpoints in turn, starting with the preferred one, until one answers or the call's
     * timeout passes; a write keeps one request identity throughout. Each attempt waits at most
     * the attempt timeout; after a round of every endpoint, the next round waits a little longer.
     */
    private <S extends AbstractStub<S>, T> T invoke(Function<Channel, S> stubs, Function<S, T> call, boolean write,
            Duration perAttempt) {
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        RequestSession.Request request = write ? session.begin() : null;
        try {
            int index = preferred.get();
            boolean maybeApplied = false;
            long pauseMs = FIRST_PAUSE_MS;
            StatusRuntimeException last = null;
            for (int attempt = 1; ; attempt++) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || (attempt > 1 && remaining < MIN_ATTEMPT.toNanos())) {
                    break;
                }
                S stub = stubs.apply(channels.get(index))
                        .withDeadlineAfter(Math.min(remaining, perAttempt.toNanos()), TimeUnit.NANOSECONDS);
                SentTracer sent = new SentTracer();
                if (request != null) {
                    stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
                            RequestHeader.of(request.id())), sent);
                }
                try {
                    T result = call.apply(stub);
                    int leader = leaderHint.getAndSet(-1);
                    preferred.set(leader >= 0 ? leader : index);
                    return result;
                } catch (StatusRuntimeException e) {
                    last = e;
                    Optional<RejectCode> code = Optional.ofNullable(detail(e, RejectionDetail.class))
                            .map(RejectionDetail::getCode);
                    if (request != null && code.equals(Optional.of(RejectCode.REJECT_SESSION_EXPIRED))
                            && !maybeApplied) {
                        // No attempt can have been applied: the request starts again in a new session.
                        request = session.renew(request);
                        continue;
                    }
                    if (request != null && code.equals(Optional.of(RejectCode.REJECT_SESSION_EXPIRED))) {
                        // An earlier attempt may have been applied before the session was evicted.
                        session.expired(request);
                        throw new UnavailableException("outcome unknown: " + describe(e), true, e);
                    }
                    if (request != null && code.equals(Optional.of(RejectCode.REJECT_REQUEST_RETIRED))) {
                        throw new UnavailableException("outcome unknown: " + describe(e), true, e);
                    }
                    if (!retryable(e)) {
                        throw translate(e, write);
                    }
                    maybeApplied |= write && sent.sent() && !certainlyNotSent(e);
                }
                int leader = leaderHint.getAndSet(-1);
                index = leader >= 0 && leader != index ? leader : (index + 1) % channels.size();
                if (attempt % channels.size() == 0) {
                    pause(Math.min(pauseMs, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
                }
            }
            if (last == null) {
                throw new UnavailableException("no endpoint answered within " + timeout.toMillis() + " ms", false,
                        null);
            }
            if (maybeApplied) {
                throw new UnavailableException("outcome unknown: no endpoint of " + endpoints + " could tell "
                        + "within " + timeout.toMillis() + " ms; last: " + describe(last), true, last);
            }
            throw new UnavailableException("no endpoint of " + endpoints + " could serve the call within "
                    + timeout.toMillis() + " ms: " + describe(last), false, last);
        } finally {
            if (request != null) {
                session.end(request);
            }
        }
    }

    private static void pause(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting to try again", true, e);
        }
    }

    /**
     * Whether a failed attempt may be made again on another endpoint: it got no answer, or its node
     * could not complete it. A refusal, or any other status, is final.
     */
    private static boolean retryable(StatusRuntimeException e) {
        if (detail(e, RejectionDetail.class) != null) {
            return false;
        }
        if (detail(e, Unavailable.class) != null) {
            return true;
        }
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    /**
     * Tells whether an attempt's request went out on a connection: a call that never got one (the
     * node refused it, or the attempt timed out connecting) reached no node, whatever its status.
     */
    private static final class SentTracer extends ClientStreamTracer.Factory implements ClientInterceptor {
        private final AtomicBoolean headers = new AtomicBoolean();

        boolean sent() {
            return headers.get();
        }

        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata metadata) {
            return new ClientStreamTracer() {
                @Override
                public void outboundHeaders() {
                    headers.set(true);
                }
            };
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                Channel next) {
            return next.newCall(method, options.withStreamTracerFactory(this));
        }
    }

    /** The attempt never reached a node's write path: the connection was refused, or the node said so. */
    private static boolean certainlyNotSent(StatusRuntimeException e) {
        Unavailable unavailable = detail(e, Unavailable.class);
        if (unavailable != null) {
            return !unavailable.getOutcomeUnknown();
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        // grpc-java names a call that timed out before it had a connection to go out on.
        String description = e.getStatus().getDescription();
        return e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && description != null
                && description.contains("waiting_for_connection");
    }

    private static MeridianException translate(StatusRuntimeException e, boolean write) {
        RejectionDetail rejection = detail(e, RejectionDetail.class);
        if (rejection != null) {
            return new RejectedException(e.getStatus().getCode(), rejection.getCode(), rejection.getMessage(),
                    rejection.hasBatchEntry() ? rejection.getBatchEntry() : -1, e);
        }
        Unavailable unavailable = detail(e, Unavailable.class);
        if (unavailable != null) {
            return new UnavailableException(unavailable.getReason(), unavailable.getOutcomeUnknown(), e);
        }
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED || code == Status.Code.RESOURCE_EXHAUSTED) {
            boolean unknown = write && !certainlyNotSent(e);
            return new UnavailableException((unknown ? "outcome unknown: " : "") + describe(e), unknown, e);
        }
        return new RejectedException(code, null, describe(e), -1, e);
    }

    private static String describe(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        return e.getStatus().getCode() + (description == null ? "" : ": " + description);
    }

    private static <T extends com.google.protobuf.Message> T detail(StatusRuntimeException e, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return null;
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException ignored) {
                    return null;
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Subscription> running;
        synchronized (subscriptions) {
            running = new ArrayList<>(subscriptions);
        }
        running.forEach(Subscription::close);
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (tls != null) {
            tls.close();
        }
    }
}
