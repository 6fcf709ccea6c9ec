package io.meridian.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate the CA issued together with the private key made for it. {@link #toString()}
 * never shows the key. Immutable.
 *
 * @param certificate the certificate
 * @param privateKey its private key
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    /** Checks that neither part is missing. */
    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Writes the certificate as PEM to {@code certificateFile} and the key as PKCS#8 PEM to
     * {@code keyFile}. Both files are created new, the key file readable and writable by its
     * owner only (0600) where the file system supports POSIX permissions. Refuses when either
     * exists, before writing anything; if the key cannot be written the certificate file is
     * removed again.
     *
     * @throws java.nio.file.FileAlreadyExistsException naming the file that exists
     */
    public void write(Path certificateFile, Path keyFile) throws IOException {
        Pem.writePair(certificateFile, Pem.encode(certificate), keyFile, Pem.encode(privateKey));
    }

    /** The certificate described for people; never the key. */
    @Override
    public String toString() {
        return "IssuedCertificate[" + TlsChecks.describe(certificate) + "]";
    }
}
