package io.meridian.core.capability;

/**
 * A capability advertisement that does not decode. The kind says which rule it broke; the message
 * says where.
 */
public final class CapabilityCodecException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The rule an advertisement broke. */
    public enum Kind {
        /** The bytes ended in the middle of a field. */
        TRUNCATED,
        /** The first three bytes are not "CAP". */
        BAD_MAGIC,
        /** The version byte is not one this codec reads. */
        UNSUPPORTED_VERSION,
        /** More entries than the bound. */
        TOO_MANY_ENTRIES,
        /** A capability name longer than the bound, or empty. */
        BAD_NAME_LENGTH,
        /** A capability name with a byte outside printable ASCII. */
        NON_ASCII_NAME,
        /** The same capability name twice. */
        DUPLICATE_NAME,
        /** A value longer than the bound. */
        VALUE_TOO_LONG,
        /** A value that is not a 4-byte little-endian integer, as Meridian's values are. */
        BAD_VALUE,
        /** Bytes after the last entry. */
        TRAILING_BYTES
    }

    private final Kind kind;

    public CapabilityCodecException(Kind kind, String message) {
        super("capability advertisement: " + message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
