package io.meridian.core.token;

import io.meridian.proto.TokenStateProto;
import java.util.Optional;

/** The states of a join token: ISSUED, then CONSUMED, REVOKED or EXPIRED, all three terminal. */
public enum TokenState {
    ISSUED(TokenStateProto.TOKEN_STATE_ISSUED),
    CONSUMED(TokenStateProto.TOKEN_STATE_CONSUMED),
    REVOKED(TokenStateProto.TOKEN_STATE_REVOKED),
    EXPIRED(TokenStateProto.TOKEN_STATE_EXPIRED);

    private final TokenStateProto proto;

    TokenState(TokenStateProto proto) {
        this.proto = proto;
    }

    /** The transition table. */
    public boolean canBecome(TokenState next) {
        return this == ISSUED && next != ISSUED;
    }

    public TokenStateProto toProto() {
        return proto;
    }

    public static Optional<TokenState> fromProto(TokenStateProto proto) {
        for (TokenState state : values()) {
            if (state.proto == proto) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
