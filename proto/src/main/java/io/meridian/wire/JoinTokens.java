package io.meridian.wire;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Join tokens: 256 bits from a secure random source, written as {@code mrdn.<64 hex>}, and their
 * SHA-256, the only form the cluster keeps. Tokens are drawn outside the state machine: by the
 * caller (the Java client draws one, so a retried request issues the same token) or by the node.
 *
 * <p>Stateless and thread-safe.
 */
public final class JoinTokens {

    public static final String PREFIX = "mrdn.";
    public static final int RANDOM_BYTES = 32;
    public static final int MAX_LENGTH = 256;

    private static final SecureRandom RANDOM = new SecureRandom();

    private JoinTokens() {
    }

    /** A new token. */
    public static String draw() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + HexFormat.of().formatHex(bytes);
    }

    /** Whether the token has the form {@link #draw} gives: the prefix and 64 lowercase hex digits. */
    public static boolean wellFormed(String token) {
        return token.length() == PREFIX.length() + RANDOM_BYTES * 2 && token.startsWith(PREFIX)
                && token.substring(PREFIX.length()).chars()
                        .allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** The SHA-256 of a token's UTF-8 bytes. */
    public static ByteString hash(String token) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
