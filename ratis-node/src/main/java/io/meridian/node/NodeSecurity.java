package io.meridian.node;

import io.meridian.security.TlsFiles;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node protects its ports: with TLS files, both the Raft port and the API port speak mutual
 * TLS with certificates of the cluster CA; without, both are plaintext and every caller is an
 * administrator (for experiments only). A node given the CA's key signs the certificates of the
 * nodes that join through it. Only paths live here, never key material: keys stay in their files.
 *
 * <p>Immutable and thread-safe.
 *
 * @param tls the CA certificate, this node's certificate and its key; empty: plaintext
 * @param caKey the CA's private key (its certificate is {@code tls.caCertificate()}), for voters that
 *     sign joining nodes' certificates
 */
public record NodeSecurity(Optional<TlsFiles> tls, Optional<Path> caKey) {

    public static final NodeSecurity INSECURE = new NodeSecurity(Optional.empty(), Optional.empty());

    public NodeSecurity {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(caKey, "caKey");
        if (tls.isEmpty() && caKey.isPresent()) {
            throw new IllegalArgumentException("a CA key is for a node that runs with TLS: give --tls-ca, --tls-cert "
                    + "and --tls-key too");
        }
    }

    public static NodeSecurity tls(TlsFiles files, Optional<Path> caKey) {
        return new NodeSecurity(Optional.of(files), caKey);
    }

    public boolean secure() {
        return tls.isPresent();
    }
}
