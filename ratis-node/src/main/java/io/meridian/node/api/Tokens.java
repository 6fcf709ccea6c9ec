package io.meridian.node.api;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Join tokens: 256 bits from a secure random source, written as {@code mrdn.<64 hex>}, and their
 * SHA-256, the only form the cluster keeps. Tokens are drawn here, outside the state machine.
 *
 * <p>Thread-safe.
 */
public final class Tokens {

    public static final String PREFIX = "mrdn.";
    public static final int RANDOM_BYTES = 32;
    public static final int MAX_LENGTH = 256;

    private final SecureRandom random = new SecureRandom();

    public String draw() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return PREFIX + HexFormat.of().formatHex(bytes);
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
