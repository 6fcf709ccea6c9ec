package io.meridian.security;

/**
 * A problem with TLS material: a file that is missing, unreadable or not what it should be, a
 * certificate that is expired or not signed by the cluster CA, a key that does not match its
 * certificate, or a malformed certificate signing request. The message names the file and what is
 * wrong, for example {@code "tls key /x/n1.key: not a PKCS#8 PEM private key"} or
 * {@code "certificate /x/n1.crt is not signed by the CA in /x/ca.crt"}, so it can be shown to an
 * operator as it is.
 */
public final class TlsException extends Exception {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public TlsException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
