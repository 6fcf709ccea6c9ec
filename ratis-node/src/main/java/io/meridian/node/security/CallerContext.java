package io.meridian.node.security;

import io.grpc.Context;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Caller;
import io.meridian.security.PeerIdentity;
import java.util.Optional;

/**
 * Who made the current API call, as the {@link Authorization} interceptor established it: the
 * identity and role from the caller's verified client certificate, the role that counts after the
 * access bindings, and whether the call came without a certificate (allowed only for anonymous
 * methods such as Join).
 *
 * <p>Immutable and thread-safe. The value lives in the call's gRPC {@link Context}: read it with
 * {@link #current()} on the thread that handles the call, before going asynchronous.
 */
public record CallerContext(String identity, AccessRole certificateRole, AccessRole role, Kind kind) {

    /** How the caller was established. */
    public enum Kind {
        /** A verified client certificate. */
        CERTIFICATE,
        /** A TLS connection without a client certificate (anonymous methods only). */
        ANONYMOUS,
        /** The cluster runs without TLS: every caller is an administrator. */
        INSECURE
    }

    /** The identity an insecure cluster stamps on every write. */
    public static final String INSECURE_IDENTITY = "insecure";

    static final Context.Key<CallerContext> KEY = Context.key("meridian-caller");

    public static CallerContext insecure() {
        return new CallerContext(INSECURE_IDENTITY, AccessRole.ACCESS_ROLE_ADMIN, AccessRole.ACCESS_ROLE_ADMIN,
                Kind.INSECURE);
    }

    public static CallerContext anonymous() {
        return new CallerContext("", AccessRole.ACCESS_ROLE_UNSPECIFIED, AccessRole.ACCESS_ROLE_UNSPECIFIED,
                Kind.ANONYMOUS);
    }

    /** The caller of the call this thread handles; empty outside a call the interceptor saw. */
    public static Optional<CallerContext> current() {
        return Optional.ofNullable(KEY.get());
    }

    /** The caller as a write carries it into the log; empty for an anonymous caller. */
    public Optional<Caller> toProto() {
        if (kind == Kind.ANONYMOUS) {
            return Optional.empty();
        }
        return Optional.of(Caller.newBuilder().setIdentity(identity).setCertificateRole(certificateRole).build());
    }

    /** Whether the caller may speak for the node: its own id when its role is NODE, any node above it. */
    public boolean mayActFor(String nodeId) {
        return speaksForAnyNode() || identity.equals(nodeId);
    }

    /** Whether the caller's role lets it speak for every node (it is above NODE). */
    public boolean speaksForAnyNode() {
        return role != AccessRole.ACCESS_ROLE_NODE;
    }

    /** "identity alice (role operator)", for messages. */
    public String describe() {
        return kind == Kind.ANONYMOUS ? "an anonymous caller"
                : "identity " + identity + " (role " + PeerIdentity.roleName(role) + ")";
    }
}
