package io.meridian.core.access;

import static io.meridian.proto.RejectCode.REJECT_PERMISSION_DENIED;

import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Caller;
import io.meridian.proto.MetadataEntry;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may write what (access.proto): the role each entry needs, the role a caller has, and the
 * check the state machine makes of an entry's caller at apply (entry-format 6). The node's API
 * layer calls the same methods before an entry reaches the log, so a caller hears the same answer
 * from both.
 *
 * <p>Roles are ordered READER &lt; NODE &lt; OPERATOR &lt; ADMIN, each allowed everything the roles
 * below it are; UNSPECIFIED (and any value this version does not know) allows nothing.
 *
 * <p>What an entry needs: an access change, ADMIN; a node's own reports (a migration checkpoint, a
 * capability advertisement, a topology advertisement, edge-cache stats), NODE; every other kind,
 * OPERATOR; a batch, the most any of its entries needs. These are rules of entry-format 6: a later
 * release that changes them gates the change on the entry format.
 *
 * <p>Stateless and thread-safe.
 */
public final class AccessPolicy {

    private AccessPolicy() {
    }

    /** The role a caller has for an entry: one it holds, or none because its identity is revoked. */
    public sealed interface EffectiveRole permits Held, Revoked {
    }

    /**
     * The caller holds {@code role}: its binding's when {@code fromBinding}, else its certificate's
     * (which may be UNSPECIFIED: a role that allows nothing).
     */
    public record Held(AccessRole role, boolean fromBinding) implements EffectiveRole {
        public Held {
            Objects.requireNonNull(role, "role");
        }
    }

    /** The caller's identity is revoked: it may do nothing, whatever its certificate says. */
    public record Revoked(AccessBinding binding) implements EffectiveRole {
        public Revoked {
            Objects.requireNonNull(binding, "binding");
        }
    }

    /**
     * The role that counts for a caller: its identity's binding when there is one (revoked, or the
     * role granted, which may be above or below the certificate's), else its certificate's role.
     */
    public static EffectiveRole effectiveRole(AccessTable table, Caller caller) {
        Optional<AccessBinding> binding = table.binding(caller.getIdentity());
        if (binding.isEmpty()) {
            return new Held(caller.getCertificateRole(), false);
        }
        return binding.get().revoked() ? new Revoked(binding.get()) : new Held(binding.get().role(), true);
    }

    /** Whether a caller with role {@code have} may do what needs {@code need}; UNSPECIFIED allows nothing. */
    public static boolean allows(AccessRole have, AccessRole need) {
        int rank = rank(have);
        return rank > 0 && rank(need) > 0 && rank >= rank(need);
    }

    /** Whether the value is one of the four roles (not UNSPECIFIED, not one this version does not know). */
    public static boolean isRole(AccessRole role) {
        return rank(role) > 0;
    }

    /** The higher of two roles. */
    public static AccessRole higher(AccessRole a, AccessRole b) {
        return rank(b) > rank(a) ? b : a;
    }

    /** A role as messages name it: "READER", "NODE", "OPERATOR", "ADMIN", or "no role". */
    public static String name(AccessRole role) {
        return isRole(role) ? role.name().substring("ACCESS_ROLE_".length()) : "no role";
    }

    private static int rank(AccessRole role) {
        return switch (role) {
            case ACCESS_ROLE_READER -> 1;
            case ACCESS_ROLE_NODE -> 2;
            case ACCESS_ROLE_OPERATOR -> 3;
            case ACCESS_ROLE_ADMIN -> 4;
            case ACCESS_ROLE_UNSPECIFIED, UNRECOGNIZED -> 0;
        };
    }

    /** The least role that may write the entry; for a batch, the most any of its entries needs. */
    public static AccessRole required(MetadataEntry entry) {
        return switch (entry.getKindCase()) {
            case ACCESS -> AccessRole.ACCESS_ROLE_ADMIN;
            case MIGRATION_CHECKPOINT, CAPABILITY_ADVERTISEMENT -> AccessRole.ACCESS_ROLE_NODE;
            case TOPOLOGY -> entry.getTopology().hasAdvertise() ? AccessRole.ACCESS_ROLE_NODE
                    : AccessRole.ACCESS_ROLE_OPERATOR;
            case EDGE_CACHE -> entry.getEdgeCache().hasStats() ? AccessRole.ACCESS_ROLE_NODE
                    : AccessRole.ACCESS_ROLE_OPERATOR;
            case ROUTING, PLACEMENT, MIGRATION_ABORT, JOIN_TOKEN, GHOST, SCHEDULER_CONTROL, CATALOG_DDL,
                    KIND_NOT_SET -> AccessRole.ACCESS_ROLE_OPERATOR;
            case BATCH -> {
                if (entry.getBatch().getEntriesCount() == 0) {
                    yield AccessRole.ACCESS_ROLE_OPERATOR;
                }
                AccessRole highest = AccessRole.ACCESS_ROLE_READER;
                for (MetadataEntry inner : entry.getBatch().getEntriesList()) {
                    highest = higher(highest, required(inner));
                }
                yield highest;
            }
        };
    }

    /**
     * The check of an entry's caller at apply: refused with PERMISSION_DENIED when the caller's
     * identity is revoked, or when its effective role is below what the entry needs; empty when the
     * caller may write the entry.
     */
    public static Optional<Rejection> check(AccessTable table, Caller caller, MetadataEntry entry) {
        String identity = Validation.printable(caller.getIdentity());
        EffectiveRole effective = effectiveRole(table, caller);
        if (effective instanceof Revoked revoked) {
            AccessBinding binding = revoked.binding();
            return Rejection.reject(REJECT_PERMISSION_DENIED, "identity %s was revoked at index %d (%s)", identity,
                    binding.index(), binding.reason().isEmpty() ? "no reason given"
                            : Validation.printable(binding.reason()));
        }
        AccessRole have = ((Held) effective).role();
        AccessRole need = required(entry);
        if (allows(have, need)) {
            return Rejection.none();
        }
        return Rejection.reject(REJECT_PERMISSION_DENIED, "identity %s has %s%s; %s needs %s", identity,
                isRole(have) ? "role " : "", name(have), what(entry, need), name(need));
    }

    /** The entry as a refusal names it: its operation; for a batch, also the first entry that needs the most. */
    private static String what(MetadataEntry entry, AccessRole need) {
        if (!entry.hasBatch()) {
            return AuditTrail.operation(entry);
        }
        for (int i = 0; i < entry.getBatch().getEntriesCount(); i++) {
            MetadataEntry inner = entry.getBatch().getEntries(i);
            if (required(inner) == need) {
                return "batch (entry " + i + ": " + AuditTrail.operation(inner) + ")";
            }
        }
        return AuditTrail.operation(entry);
    }
}
