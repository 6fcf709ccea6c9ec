package io.meridian.core.session;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The id of a client session: 16 bytes the client drew at random, held as two longs and ordered
 * as unsigned bytes, which is also the order of the hex form.
 *
 * <p>Immutable and thread-safe.
 */
public record ClientId(long high, long low) implements Comparable<ClientId> {

    public static final int LENGTH = 16;

    /** The id in these bytes, or empty unless they are exactly 16. */
    public static Optional<ClientId> of(ByteString bytes) {
        if (bytes.size() != LENGTH) {
            return Optional.empty();
        }
        ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
        return Optional.of(new ClientId(buffer.getLong(), buffer.getLong()));
    }

    public ByteString toByteString() {
        return ByteString.copyFrom(ByteBuffer.allocate(LENGTH).putLong(high).putLong(low).array());
    }

    public String hex() {
        return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }

    @Override
    public int compareTo(ClientId other) {
        int byHigh = Long.compareUnsigned(high, other.high);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(low, other.low);
    }

    /** The first 12 hex characters, enough to tell sessions apart in messages. */
    @Override
    public String toString() {
        return hex().substring(0, 12);
    }
}
