package io.meridian.core.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meridian.proto.MetadataEntry;

/**
 * Turns log bytes into entries and back. Decoding never throws an unchecked exception: bytes that
 * are not an entry give an {@link EntryDecodeException} naming the problem.
 *
 * <p>Stateless and thread-safe.
 */
public final class EntryCodec {

    /** Largest encoded entry accepted into the log. */
    public static final int MAX_ENTRY_BYTES = 4 << 20;

    private EntryCodec() {
    }

    public static MetadataEntry decode(ByteString bytes) throws EntryDecodeException {
        if (bytes.size() > MAX_ENTRY_BYTES) {
            throw new EntryDecodeException("entry is " + bytes.size() + " bytes; at most " + MAX_ENTRY_BYTES
                    + " are allowed");
        }
        try {
            return MetadataEntry.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new EntryDecodeException("bytes are not a metadata entry: " + e.getMessage(), e);
        }
    }

    public static MetadataEntry decode(byte[] bytes) throws EntryDecodeException {
        return decode(ByteString.copyFrom(bytes));
    }

    public static ByteString encode(MetadataEntry entry) {
        return entry.toByteString();
    }
}
