package io.meridian.core.snapshot;

import java.util.Arrays;

/**
 * The digest of a state: the SHA-256 of its snapshot up to the trailer. Replicas at the same index
 * have equal digests; a difference means they diverged.
 *
 * <p>Immutable and thread-safe.
 */
public final class StateDigest {

    private final byte[] sha256;

    StateDigest(byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 is 32 bytes, got " + sha256.length);
        }
        this.sha256 = sha256.clone();
    }

    public byte[] bytes() {
        return sha256.clone();
    }

    public String hex() {
        StringBuilder out = new StringBuilder(64);
        for (byte b : sha256) {
            out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StateDigest digest && Arrays.equals(sha256, digest.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return hex();
    }
}
