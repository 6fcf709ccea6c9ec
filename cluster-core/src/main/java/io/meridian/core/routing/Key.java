package io.meridian.core.routing;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A key of the keyspace: bytes ordered unsigned-lexicographically, the order in which shards
 * partition the keyspace. The empty key is the start of the keyspace; as a range end it means
 * "to the end of the keyspace".
 *
 * <p>Immutable and thread-safe.
 */
public final class Key implements Comparable<Key> {

    public static final Key EMPTY = new Key(new byte[0]);

    private final byte[] bytes;

    private Key(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Key of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Key(bytes.clone());
    }

    public static Key of(ByteString bytes) {
        return bytes.isEmpty() ? EMPTY : new Key(bytes.toByteArray());
    }

    public static Key utf8(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The key halfway between {@code start} and {@code end} ({@code end} empty: the end of the
     * keyspace), read as base-256 fractions: strictly after start and strictly before end, as
     * short as that allows. Empty when no key of at most {@code maxLength} bytes lies strictly
     * between them.
     */
    public static java.util.Optional<Key> between(Key start, Key end, int maxLength) {
        int length = Math.max(1, Math.max(start.bytes.length, end.bytes.length));
        for (; length <= maxLength; length++) {
            java.math.BigInteger low = new java.math.BigInteger(1, Arrays.copyOf(start.bytes, length));
            java.math.BigInteger high = end.isEmpty() ? java.math.BigInteger.ONE.shiftLeft(8 * length)
                    : new java.math.BigInteger(1, Arrays.copyOf(end.bytes, length));
            java.math.BigInteger middle = low.add(high).shiftRight(1);
            byte[] raw = middle.toByteArray();
            byte[] out = new byte[length];
            int copy = Math.min(raw.length, length);
            System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
            int used = out.length;
            while (used > 1 && out[used - 1] == 0) {
                used--;
            }
            Key candidate = new Key(Arrays.copyOf(out, used));
            if (candidate.compareTo(start) > 0 && (end.isEmpty() || candidate.compareTo(end) < 0)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public int length() {
        return bytes.length;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public ByteString toByteString() {
        return ByteString.copyFrom(bytes);
    }

    @Override
    public int compareTo(Key other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Key key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Quoted text when every byte is printable ASCII, else hex: {@code 'user/42'}, {@code 0x00ff}. */
    @Override
    public String toString() {
        boolean printable = true;
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7e || b == '\'') {
                printable = false;
                break;
            }
        }
        if (printable) {
            return "'" + new String(bytes, StandardCharsets.US_ASCII) + "'";
        }
        StringBuilder hex = new StringBuilder("0x");
        for (byte b : bytes) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }
}
