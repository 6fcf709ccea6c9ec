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
