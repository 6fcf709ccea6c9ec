package io.meridian.core.token;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * Every join token the cluster issued, by hash.
 *
 * <p>Immutable and thread-safe.
 */
public record JoinTokensImage(TreePMap<TokenHash, JoinToken> all) {

    public static final JoinTokensImage EMPTY = new JoinTokensImage(TreePMap.empty());

    public JoinTokensImage {
        Objects.requireNonNull(all, "all");
    }

    public Optional<JoinToken> token(TokenHash hash) {
        return Optional.ofNullable(all.get(hash));
    }

    /** The tokens whose hash starts with this lower-case hex prefix, in hash order. */
    public List<JoinToken> withHexPrefix(String prefix) {
        List<JoinToken> out = new ArrayList<>();
        for (JoinToken token : all.values()) {
            if (token.hash().hex().startsWith(prefix)) {
                out.add(token);
            }
        }
        return out;
    }

    public JoinTokensImage with(JoinToken token) {
        return new JoinTokensImage(all.plus(token.hash(), token));
    }
}
