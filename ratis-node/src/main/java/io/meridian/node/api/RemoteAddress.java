package io.meridian.node.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Makes the caller's host known to the API's calls (for the join throttle), without its port. */
public final class RemoteAddress implements ServerInterceptor {

    private static final Context.Key<String> HOST = Context.key("meridian-remote-host");

    /** The calling host, or "unknown". */
    static String current() {
        String host = HOST.get();
        return host == null ? "unknown" : host;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        return Contexts.interceptCall(Context.current().withValue(HOST, host), call, headers, next);
    }
}
