package io.meridian.core.snapshot;

import java.io.IOException;

/**
 * A snapshot that cannot be read: truncated, corrupt, of an unknown format, or describing a state
 * that breaks an invariant. The message says what and where (byte offset, record number); the
 * caller adds which file.
 */
public final class SnapshotFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public SnapshotFormatException(String message) {
        super(message);
    }

    public SnapshotFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
