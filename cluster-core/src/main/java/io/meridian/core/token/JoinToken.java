package io.meridian.core.token;

import io.meridian.core.topology.RaftRole;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * A join token as the cluster holds it: its hash, never the token.
 *
 * <p>Immutable and thread-safe.
 *
 * @param boundRole the role a node must present to consume it; empty when unbound
 * @param boundLabels labels a node must present (same values) to consume it
 * @param consumedBy the node that consumed it; empty unless CONSUMED
 * @param changedAtMs logical time of the last change of state
 */
public record JoinToken(
        TokenHash hash,
        TokenState state,
        long issuedAtMs,
        long expiresAtMs,
        Optional<RaftRole> boundRole,
        TreePMap<String, String> boundLabels,
        String consumedBy,
        long changedAtMs,
        String revokeReason) {

    public JoinToken {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(boundRole, "boundRole");
        Objects.requireNonNull(boundLabels, "boundLabels");
        Objects.requireNonNull(consumedBy, "consumedBy");
        Objects.requireNonNull(revokeReason, "revokeReason");
    }

    /** Whether its expiry has passed at this logical time. */
    public boolean expiredAt(long logicalTimeMs) {
        return logicalTimeMs >= expiresAtMs;
    }

    public JoinToken consumed(String nodeId, long atMs) {
        return new JoinToken(hash, TokenState.CONSUMED, issuedAtMs, expiresAtMs, boundRole, boundLabels, nodeId,
                atMs, revokeReason);
    }

    public JoinToken revoked(String reason, long atMs) {
        return new JoinToken(hash, TokenState.REVOKED, issuedAtMs, expiresAtMs, boundRole, boundLabels,
                consumedBy, atMs, reason);
    }

    public JoinToken expired(long atMs) {
        return new JoinToken(hash, TokenState.EXPIRED, issuedAtMs, expiresAtMs, boundRole, boundLabels,
                consumedBy, atMs, revokeReason);
    }
}
