package io.meridian.security;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a party's TLS files are: the cluster CA's certificate (what it trusts; may hold more than
 * one CA while the CA is being replaced), its own certificate (first in its file, optionally
 * followed by its chain), and its private key (PKCS#8 PEM). Immutable.
 *
 * @param caCertificate the PEM file of the CA certificate(s)
 * @param certificate the PEM file of this party's certificate
 * @param privateKey the PEM file of this party's private key
 */
public record TlsFiles(Path caCertificate, Path certificate, Path privateKey) {

    /** Checks that no path is missing. */
    public TlsFiles {
        Objects.requireNonNull(caCertificate, "caCertificate");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Checks that the three files exist and parse, that every certificate in the CA file is a CA
     * certificate, that the certificate is valid now, names an identity (a subject CN) and is
     * signed by a CA of the CA file (itself valid now), and that the key is the certificate's.
     *
     * @throws TlsException naming the file and what is wrong with it
     */
    public void check() throws TlsException {
        TlsBundle.read(this, Instant.now());
    }
}
