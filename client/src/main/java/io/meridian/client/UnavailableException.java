package io.meridian.client;

/**
 * The call did not complete: no endpoint answered, the metadata group had no quorum, or the
 * deadline passed. When {@link #outcomeUnknown()} is true, a write may have been appended and may
 * yet be applied: read before retrying it.
 */
public final class UnavailableException extends MeridianException {

    private static final long serialVersionUID = 1L;

    private final boolean outcomeUnknown;

    UnavailableException(String message, boolean outcomeUnknown, Throwable cause) {
        super(message, cause);
        this.outcomeUnknown = outcomeUnknown;
    }

    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
