package io.meridian.core.token;

import com.google.protobuf.ByteString;
import java.util.Arrays;

/**
 * The SHA-256 of a join token: the only form in which a token is ever held. Ordered by its bytes,
 * which is also the order of its hex form.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenHash implements Comparable<TokenHash> {

    public static final int LENGTH = 32;
    /** How many hex characters of a hash are shown to operators. */
    public static final int SHORT_HEX = 12;

    private final byte[] bytes;

    private TokenHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The hash in these bytes; they must be exactly 32. */
    public static TokenHash of(ByteString bytes) {
        if (bytes.size() != LENGTH) {
            throw new IllegalArgumentException("a token hash is " + LENGTH + " bytes, got " + bytes.size());
        }
        return new TokenHash(bytes.toByteArray());
    }

    public ByteString toByteString() {
        return ByteString.copyFrom(bytes);
    }

    public String hex() {
        StringBuilder out = new StringBuilder(LENGTH * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }

    /** The first {@value #SHORT_HEX} hex characters: enough to name a token, useless to forge one. */
    public String shortHex() {
        return hex().substring(0, SHORT_HEX);
    }

    @Override
    public int compareTo(TokenHash other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenHash hash && Arrays.equals(bytes, hash.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return shortHex();
    }
}
