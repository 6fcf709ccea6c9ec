package io.meridian.core.apply;

/** Bytes that are not a MetadataEntry Meridian can read. */
public final class EntryDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    public EntryDecodeException(String message, Throwable cause) {
        super(message, cause);
    }

    public EntryDecodeException(String message) {
        super(message);
    }
}
