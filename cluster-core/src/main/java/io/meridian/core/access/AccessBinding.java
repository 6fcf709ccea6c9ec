package io.meridian.core.access;

import io.meridian.proto.AccessRole;
import java.util.Objects;

/**
 * One identity's binding, as the last access change for it left it: the role granted, or revoked
 * with a reason; the log index and logical time of that change, and who made it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param identity the certificate common name the binding is for
 * @param role the role granted; {@link AccessRole#ACCESS_ROLE_UNSPECIFIED} when revoked
 * @param revoked whether the identity is revoked: it may do nothing, whatever its certificate says
 * @param reason why it was revoked; empty for a grant
 * @param index the log index of the grant or revocation
 * @param changedAtMs the logical time of the grant or revocation
 * @param changedBy the identity of the caller that made the change; empty when the entry had none
 */
public record AccessBinding(String identity, AccessRole role, boolean revoked, String reason, long index,
        long changedAtMs, String changedBy) {

    public AccessBinding {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(changedBy, "changedBy");
        if (identity.isEmpty()) {
            throw new IllegalArgumentException("a binding names an identity");
        }
        if (revoked ? role != AccessRole.ACCESS_ROLE_UNSPECIFIED : !AccessPolicy.isRole(role)) {
            throw new IllegalArgumentException("binding of " + identity + " is " + (revoked ? "revoked" : "granted")
                    + " with role " + role + (revoked ? "; a revoked binding has no role" : "; a grant names a role"));
        }
        if (!revoked && !reason.isEmpty()) {
            throw new IllegalArgumentException("binding of " + identity + " is granted but has a revocation reason");
        }
        if (index < 1 || changedAtMs < 0) {
            throw new IllegalArgumentException("binding of " + identity + " has index " + index + " and time "
                    + changedAtMs + "; an index starts at 1 and a time is not negative");
        }
    }

    /** A grant of {@code role}, made at this index and time by {@code changedBy}. */
    public static AccessBinding granted(String identity, AccessRole role, long index, long changedAtMs,
            String changedBy) {
        return new AccessBinding(identity, role, false, "", index, changedAtMs, changedBy);
    }

    /** A revocation, made at this index and time by {@code changedBy}. */
    public static AccessBinding revoked(String identity, String reason, long index, long changedAtMs,
            String changedBy) {
        return new AccessBinding(identity, AccessRole.ACCESS_ROLE_UNSPECIFIED, true, reason, index, changedAtMs,
                changedBy);
    }

    /** "OPERATOR", or "revoked". */
    public String describe() {
        return revoked ? "revoked" : AccessPolicy.name(role);
    }
}
