package io.meridian.node.api;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Names the leader in every answer's headers ({@code meridian-leader: HOST:PORT}, its API
 * address), so that a client sends its next calls there and spares a write the hop from a
 * follower to the leader. A client that does not know the header ignores it.
 *
 * <p>Thread-safe.
 */
public final class LeaderHint implements ServerInterceptor {

    /** The response header: the API address of the node that leads, when the answering node knows it. */
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("meridian-leader",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Supplier<Optional<String>> leader;

    public LeaderHint(Supplier<Optional<String>> leader) {
        this.leader = leader;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                leader.get().ifPresent(address -> responseHeaders.put(HEADER, address));
                super.sendHeaders(responseHeaders);
            }
        }, headers);
    }
}
