package io.meridian.node.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meridian.proto.RequestId;
import io.meridian.wire.RequestHeader;
import java.util.Optional;

/**
 * Makes a write's request identity (the {@code meridian-request-id-bin} header) known to the API's
 * calls; a header that does not parse fails the call with INVALID_ARGUMENT before it starts.
 *
 * <p>Thread-safe.
 */
public final class RequestIdentity implements ServerInterceptor {

    private static final Context.Key<RequestId> ID = Context.key("meridian-request-id");

    /** The identity the current call carries, if it carries one. */
    static Optional<RequestId> current() {
        return Optional.ofNullable(ID.get());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        RequestId id;
        try {
            id = headers.get(RequestHeader.KEY);
        } catch (RuntimeException e) {
            call.close(Status.INVALID_ARGUMENT.withDescription("the " + RequestHeader.KEY.name()
                    + " header is not a RequestId: " + e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        if (id == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(ID, id), call, headers, next);
    }
}
