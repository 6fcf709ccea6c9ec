package io.meridian.core.token;

import static io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_BINDING;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_EXPIRED;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_USED;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.topology.Labels;
import io.meridian.core.topology.RaftRole;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TokenIssued;
import java.util.Map;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * Applies join-token transitions. Tokens are named by their SHA-256 only; messages show a short
 * prefix of the hash. Expiry is judged by the log's logical time, never by a clock.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class JoinTokenApplier {

    private JoinTokenApplier() {
    }

    public static Optional<Rejection> validate(JoinTokenTransition transition) {
        if (transition.getTokenHash().size() != TokenHash.LENGTH) {
            return Validation.invalid("a token hash is the %d-byte SHA-256 of the token, got %d bytes",
                    TokenHash.LENGTH, transition.getTokenHash().size());
        }
        return switch (transition.getTransitionCase()) {
            case ISSUED -> (transition.getIssued().getTtlMs() > 0 && transition.getIssued().getExpiresAtMs() > 0
                    ? Validation.invalid("a token expires at a time or after a ttl, not both")
                    : Rejection.none())
                    .or(() -> Validation.role("bound role", transition.getIssued().getBoundRole()))
                    .or(() -> Validation.labels("bound labels", transition.getIssued().getBoundLabelsList()));
            case CONSUMED -> Validation.nodeId("consuming node", transition.getConsumed().getNodeId())
                    .or(() -> Validation.role("presented role", transition.getConsumed().getPresentedRole()))
                    .or(() -> Validation.labels("presented labels",
                            transition.getConsumed().getPresentedLabelsList()));
            case REVOKED -> Validation.text("revoke reason", transition.getRevoked().getReason());
            case EXPIRED -> Rejection.none();
            case TRANSITION_NOT_SET -> Validation.invalid("token transition names no transition");
        };
    }

    public static Optional<Rejection> apply(Tx tx, JoinTokenTransition transition) {
        TokenHash hash = TokenHash.of(transition.getTokenHash());
        Optional<JoinToken> existing = tx.joinTokens().token(hash);
        if (transition.getTransitionCase() == JoinTokenTransition.TransitionCase.ISSUED) {
            return issue(tx, hash, existing, transition.getIssued());
        }
        if (existing.isEmpty()) {
            return Rejection.reject(REJECT_NOT_FOUND, "no token with hash %s", hash.shortHex());
        }
        JoinToken token = existing.get();
        if (token.state() != TokenState.ISSUED) {
            return Rejection.reject(REJECT_TOKEN_USED, "token %s is already %s", hash.shortHex(), token.state());
        }
        return switch (transition.getTransitionCase()) {
            case CONSUMED -> consume(tx, token, transition.getConsumed());
            case REVOKED -> {
                String reason = transition.getRevoked().getReason();
                tx.joinTokens(tx.joinTokens().with(token.revoked(reason, tx.now())));
                tx.changed(Area.JOIN_TOKEN, "token " + hash.shortHex(), "revoked%s",
                        reason.isEmpty() ? "" : ": " + reason);
                yield Rejection.none();
            }
            case EXPIRED -> {
                if (!token.expiredAt(tx.now())) {
                    yield Rejection.reject(REJECT_ILLEGAL_TRANSITION,
                            "token %s expires at %d, after the logical time %d", hash.shortHex(),
                            token.expiresAtMs(), tx.now());
                }
                tx.joinTokens(tx.joinTokens().with(token.expired(tx.now())));
                tx.changed(Area.JOIN_TOKEN, "token " + hash.shortHex(), "expired");
                yield Rejection.none();
            }
            case ISSUED, TRANSITION_NOT_SET -> Validation.invalid("token transition names no transition");
        };
    }

    private static Optional<Rejection> issue(Tx tx, TokenHash hash, Optional<JoinToken> existing, TokenIssued issued) {
        if (existing.isPresent()) {
            return Rejection.reject(REJECT_ALREADY_EXISTS, "a token with hash %s already exists (%s)",
                    hash.shortHex(), existing.get().state());
        }
        long expiresAt = issued.getTtlMs() > 0 ? saturatedAdd(tx.now(), issued.getTtlMs()) : issued.getExpiresAtMs();
        if (expiresAt <= tx.now()) {
            return Validation.invalid("token %s would expire at %d, not after the logical time %d",
                    hash.shortHex(), expiresAt, tx.now());
        }
        JoinToken token = new JoinToken(hash, TokenState.ISSUED, tx.now(), expiresAt,
                RaftRole.fromProto(issued.getBoundRole()), Labels.fromProto(issued.getBoundLabelsList()), "",
                tx.now(), "");
        tx.joinTokens(tx.joinTokens().with(token));
        tx.changed(Area.JOIN_TOKEN, "token " + hash.shortHex(), "issued, expires at %d%s", token.expiresAtMs(),
                describeBinding(token));
        return Rejection.none();
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    private static Optional<Rejection> consume(Tx tx, JoinToken token, TokenConsumed consumed) {
        String shortHex = token.hash().shortHex();
        if (token.expiredAt(tx.now())) {
            return Rejection.reject(REJECT_TOKEN_EXPIRED, "token %s expired at %d (logical time %d)", shortHex,
                    token.expiresAtMs(), tx.now());
        }
        Optional<RaftRole> presented = RaftRole.fromProto(consumed.getPresentedRole());
        if (token.boundRole().isPresent() && !token.boundRole().equals(presented)) {
            return Rejection.reject(REJECT_TOKEN_BINDING, "token %s is bound to role %s; %s presented %s", shortHex,
                    token.boundRole().get(), consumed.getNodeId(), presented.map(Enum::name).orElse("no role"));
        }
        TreePMap<String, String> labels = Labels.fromProto(consumed.getPresentedLabelsList());
        for (Map.Entry<String, String> bound : token.boundLabels().entrySet()) {
            if (!bound.getValue().equals(labels.get(bound.getKey()))) {
                return Rejection.reject(REJECT_TOKEN_BINDING, "token %s is bound to label %s=%s; %s presented %s",
                        shortHex, bound.getKey(), bound.getValue(), consumed.getNodeId(),
                        labels.containsKey(bound.getKey()) ? bound.getKey() + "=" + labels.get(bound.getKey())
                                : "no " + bound.getKey() + " label");
            }
        }
        tx.joinTokens(tx.joinTokens().with(token.consumed(consumed.getNodeId(), tx.now())));
        tx.changed(Area.JOIN_TOKEN, "token " + shortHex, "consumed by %s", consumed.getNodeId());
        return Rejection.none();
    }

    private static String describeBinding(JoinToken token) {
        StringBuilder out = new StringBuilder();
        token.boundRole().ifPresent(role -> out.append(", bound to role ").append(role));
        if (!token.boundLabels().isEmpty()) {
            out.append(", bound to labels ").append(Labels.format(token.boundLabels()));
        }
        return out.toString();
    }
}
