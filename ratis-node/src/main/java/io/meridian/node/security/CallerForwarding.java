package io.meridian.node.security;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.meridian.proto.Caller;
import java.util.Optional;

/**
 * On a member's calls to another member, names the caller the call is made for (the one whose
 * call this node is serving, when there is one), so the other member judges that caller rather
 * than this node. See {@link Authorization#FORWARDED_CALLER}.
 *
 * <p>Thread-safe.
 */
public final class CallerForwarding implements ClientInterceptor {

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Optional<Caller> caller = CallerContext.current().flatMap(CallerContext::toProto);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                caller.ifPresent(value -> headers.put(Authorization.FORWARDED_CALLER, value.toByteArray()));
                super.start(listener, headers);
            }
        };
    }
}
