package io.meridian.client;

/** Any failure of a Meridian call: {@link RejectedException} or {@link UnavailableException}. */
public abstract class MeridianException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected MeridianException(String message, Throwable cause) {
        super(message, cause);
    }
}
