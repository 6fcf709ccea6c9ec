package io.meridian.node.security;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.meridian.core.access.AccessPolicy;
import io.meridian.core.access.AccessTable;
import io.meridian.proto.AccessProtos;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AccessRule;
import io.meridian.proto.Caller;
import io.meridian.security.PeerIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Decides who may call what, before a call reaches a service: the caller is the identity in its
 * verified client certificate, its role the replicated binding for that identity or else the
 * certificate's, and each method's rule is the one api.proto declares on it (or on its service).
 * A call without a certificate reaches only anonymous methods; a refused call gets
 * PERMISSION_DENIED (or UNAUTHENTICATED) naming the identity and the role it lacks.
 *
 * <p>A call another member forwards on a caller's behalf (to the leader, say) carries that caller in
 * the {@link #FORWARDED_CALLER} header; it counts only when the connection's own certificate is a
 * node's, since members already trust each other with the whole log.
 *
 * <p>Thread-safe.
 */
public final class Authorization implements ServerInterceptor {

    /** The caller a member forwards a call for. */
    public static final Metadata.Key<byte[]> FORWARDED_CALLER =
            Metadata.Key.of("meridian-forwarded-caller-bin", Metadata.BINARY_BYTE_MARSHALLER);

    private final boolean secure;
    private final Supplier<AccessTable> access;
    private final Map<String, AccessRule> rules = new HashMap<>();

    /**
     * @param secure false on a cluster running without TLS: every caller is then an administrator
     * @param access the access bindings of this node's applied state
     */
    public Authorization(boolean secure, Supplier<AccessTable> access) {
        this.secure = secure;
        this.access = access;
    }

    /**
     * The service with every method guarded. Fails when a method declares no rule and its service
     * none either: nothing is callable by accident.
     */
    public ServerServiceDefinition guard(ServerServiceDefinition service) {
        Descriptors.ServiceDescriptor descriptor = ((ProtoServiceDescriptorSupplier) service.getServiceDescriptor()
                .getSchemaDescriptor()).getServiceDescriptor();
        AccessRule serviceRule = descriptor.getOptions().hasExtension(AccessProtos.serviceAccess)
                ? descriptor.getOptions().getExtension(AccessProtos.serviceAccess) : null;
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            Descriptors.MethodDescriptor proto = ((ProtoMethodDescriptorSupplier) method.getMethodDescriptor()
                    .getSchemaDescriptor()).getMethodDescriptor();
            AccessRule rule = proto.getOptions().hasExtension(AccessProtos.access)
                    ? proto.getOptions().getExtension(AccessProtos.access) : serviceRule;
            if (rule == null || (!rule.getAnonymous() && rule.getRole() == AccessRole.ACCESS_ROLE_UNSPECIFIED)) {
                throw new IllegalStateException("API method " + proto.getFullName() + " declares no access rule");
            }
            rules.put(method.getMethodDescriptor().getFullMethodName(), rule);
        }
        return ServerInterceptors.intercept(service, this);
    }

    /** The rule of a method, by its full gRPC name ("meridian.v1.NodeService/ReportLoad"). */
    public Optional<AccessRule> rule(String fullMethodName) {
        return Optional.ofNullable(rules.get(fullMethodName));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        AccessRule rule = rules.get(method);
        if (rule == null) {
            return refuse(call, Status.INTERNAL.withDescription("no access rule for " + method));
        }
        if (!secure) {
            return Contexts.interceptCall(Context.current().withValue(CallerContext.KEY, CallerContext.insecure()),
                    call, headers, next);
        }
        Optional<X509Certificate> certificate = peerCertificate(call.getAttributes().get(
                Grpc.TRANSPORT_ATTR_SSL_SESSION));
        CallerContext caller;
        if (certificate.isEmpty()) {
            if (!rule.getAnonymous()) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription(shortName(method) + " needs a client "
                        + "certificate signed by the cluster CA; this call came without one"));
            }
            caller = CallerContext.anonymous();
        } else {
            Optional<PeerIdentity> peer = PeerIdentity.of(certificate.get());
            if (peer.isEmpty()) {
                return refuse(call, Status.UNAUTHENTICATED.withDescription("the client certificate names no "
                        + "identity (no CN in its subject)"));
            }
            Caller claimed = Caller.newBuilder().setIdentity(peer.get().identity())
                    .setCertificateRole(peer.get().certificateRole()).build();
            byte[] forwarded = headers.get(FORWARDED_CALLER);
            if (forwarded != null && peer.get().certificateRole() == AccessRole.ACCESS_ROLE_NODE) {
                try {
                    claimed = Caller.parseFrom(forwarded);
                } catch (InvalidProtocolBufferException e) {
                    return refuse(call, Status.INVALID_ARGUMENT.withDescription("the forwarded caller does not "
                            + "parse: " + e.getMessage()));
                }
            }
            AccessPolicy.EffectiveRole effective = AccessPolicy.effectiveRole(access.get(), claimed);
            if (effective instanceof AccessPolicy.Revoked revoked) {
                return refuse(call, revokedStatus(revoked));
            }
            caller = new CallerContext(claimed.getIdentity(), claimed.getCertificateRole(),
                    ((AccessPolicy.Held) effective).role(), CallerContext.Kind.CERTIFICATE);
            if (!rule.getAnonymous() && !AccessPolicy.allows(caller.role(), rule.getRole())) {
                return refuse(call, Status.PERMISSION_DENIED.withDescription(caller.describe() + " lacks the "
                        + PeerIdentity.roleName(rule.getRole()) + " role that " + shortName(method) + " needs"));
            }
        }
        return Contexts.interceptCall(Context.current().withValue(CallerContext.KEY, caller), call, headers, next);
    }

    /**
     * Checks again that the caller may still make the call, against bindings that may have moved on
     * since the call began (a read that waited for the leader's index sees a revocation committed
     * before it). Returns the refusal, if any.
     */
    public static Optional<Status> recheck(AccessTable table, CallerContext caller, AccessRole needed) {
        if (caller.kind() != CallerContext.Kind.CERTIFICATE) {
            return Optional.empty();
        }
        AccessPolicy.EffectiveRole effective = AccessPolicy.effectiveRole(table, caller.toProto().orElseThrow());
        if (effective instanceof AccessPolicy.Revoked revoked) {
            return Optional.of(revokedStatus(revoked));
        }
        AccessRole role = ((AccessPolicy.Held) effective).role();
        if (!AccessPolicy.allows(role, needed)) {
            return Optional.of(Status.PERMISSION_DENIED.withDescription("identity " + caller.identity() + " (role "
                    + PeerIdentity.roleName(role) + ") lacks the " + PeerIdentity.roleName(needed) + " role"));
        }
        return Optional.empty();
    }

    private static Status revokedStatus(AccessPolicy.Revoked revoked) {
        return Status.PERMISSION_DENIED.withDescription("identity " + revoked.binding().identity() + " was revoked "
                + "at index " + revoked.binding().index() + (revoked.binding().reason().isEmpty() ? ""
                : " (" + revoked.binding().reason() + ")"));
    }

    private static Optional<X509Certificate> peerCertificate(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    private static String shortName(String fullMethodName) {
        return fullMethodName.startsWith("meridian.v1.") ? fullMethodName.substring("meridian.v1.".length())
                : fullMethodName;
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
