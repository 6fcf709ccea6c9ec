package io.meridian.core.access;

import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessRole;
import java.util.Optional;

/**
 * Applies access changes (AccessChange in entry.proto, entry-format 6): a grant binds an identity
 * to a role, clearing a revocation; a revocation marks it revoked with a reason. Either records the
 * entry's index, its logical time and the identity of the caller that made it.
 *
 * <p>A caller never revokes or demotes itself: with one administrator left, that would lock every
 * administrator out of the cluster for good. Another administrator can.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class AccessApplier {

    private AccessApplier() {
    }

    /** The checks that need no state, made before the log. */
    public static Optional<Rejection> validate(AccessChange change) {
        return Validation.identity("identity", change.getIdentity()).or(() -> switch (change.getChangeCase()) {
            case GRANT -> AccessPolicy.isRole(change.getGrant().getRole()) ? Rejection.none()
                    : Validation.invalid("a grant to %s names role %s; use READER, NODE, OPERATOR or ADMIN",
                            Validation.printable(change.getIdentity()), roleValue(change.getGrant().getRole(),
                                    change.getGrant().getRoleValue()));
            case REVOKE -> Validation.text("revocation reason", change.getRevoke().getReason());
            case CHANGE_NOT_SET -> Validation.invalid("access change for %s names neither a grant nor a revocation",
                    Validation.printable(change.getIdentity()));
        });
    }

    private static String roleValue(AccessRole role, int value) {
        return role == AccessRole.UNRECOGNIZED ? String.valueOf(value) : role.name();
    }

    public static Optional<Rejection> apply(Tx tx, AccessChange change) {
        if (!tx.admittedAt((int) CapabilityGate.TRUST.minimum())) {
            // The leader refuses access changes before the log below entry-format 6; one stamped below it
            // came from elsewhere, and is refused alike on every replica.
            return Rejection.reject(REJECT_CAPABILITY_GATED, "%s need %s >= %d; the entry was admitted below it",
                    CapabilityGate.TRUST.feature(), CapabilityGate.TRUST.capability(), CapabilityGate.TRUST.minimum());
        }
        String identity = change.getIdentity();
        if (identity.isEmpty()) {
            return Validation.invalid("access change names no identity");
        }
        Optional<AccessBinding> previous = tx.access().binding(identity);
        String was = previous.map(binding -> " (was " + binding.describe() + ")").orElse("");
        String caller = tx.callerIdentity();
        switch (change.getChangeCase()) {
            case GRANT -> {
                AccessRole role = change.getGrant().getRole();
                if (!AccessPolicy.isRole(role)) {
                    return Validation.invalid("a grant to %s names no role", Validation.printable(identity));
                }
                if (identity.equals(caller) && role != AccessRole.ACCESS_ROLE_ADMIN) {
                    return selfLockout(identity);
                }
                tx.access(tx.access().with(AccessBinding.granted(identity, role, tx.index(), tx.now(), caller)));
                tx.changed(Area.ACCESS, "identity " + identity, "granted %s%s", AccessPolicy.name(role), was);
            }
            case REVOKE -> {
                if (identity.equals(caller)) {
                    return selfLockout(identity);
                }
                String reason = change.getRevoke().getReason();
                tx.access(tx.access().with(AccessBinding.revoked(identity, reason, tx.index(), tx.now(), caller)));
                tx.changed(Area.ACCESS, "identity " + identity, "revoked%s%s", was,
                        reason.isEmpty() ? "" : ": " + reason);
            }
            case CHANGE_NOT_SET -> {
                return Validation.invalid("access change for %s names neither a grant nor a revocation",
                        Validation.printable(identity));
            }
        }
        return Rejection.none();
    }

    private static Optional<Rejection> selfLockout(String identity) {
        return Validation.invalid("identity %s cannot revoke or demote itself; another administrator can",
                Validation.printable(identity));
    }
}
