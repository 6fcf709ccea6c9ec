package io.meridian.node;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meridian.node.security.CallerForwarding;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.TlsException;
import io.meridian.security.TlsFiles;
import io.meridian.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * A node's TLS, ready to use: the material for its API server and its calls to other members
 * (reloaded when the files change), the Ratis transport's parameters (mutual TLS that admits only
 * node certificates), and the CA when the node was given its key. Insecure when the node runs
 * without TLS: plaintext everywhere.
 *
 * <p>Thread-safe.
 */
final class NodeTls implements AutoCloseable {

    private final Optional<TlsMaterial> material;
    private final Optional<CertificateAuthority> authority;

    private NodeTls(Optional<TlsMaterial> material, Optional<CertificateAuthority> authority) {
        this.material = material;
        this.authority = authority;
    }

    static NodeTls insecure() {
        return new NodeTls(Optional.empty(), Optional.empty());
    }

    /**
     * Loads the node's TLS files, first obtaining its certificate by joining with its token when it
     * has none yet. Fails with a message naming the file and the problem.
     */
    static NodeTls open(NodeConfig config) throws IOException {
        NodeSecurity security = config.security();
        if (!security.secure()) {
            return insecure();
        }
        TlsFiles files = security.tls().orElseThrow();
        if (!Files.exists(files.certificate()) || !Files.exists(files.privateKey())) {
            if (config.joinToken().isEmpty() || config.joinEndpoints().isEmpty()) {
                throw new IOException("node " + config.nodeId() + " has no certificate at " + files.certificate()
                        + ": issue one with `meridian ca issue --role node`, or join with a token (--join, "
                        + "--join-token) to be issued one");
            }
            Admission.obtainCertificate(config, files);
        }
        TlsMaterial material;
        try {
            material = TlsMaterial.load(files);
        } catch (TlsException e) {
            throw new IOException(e.getMessage(), e);
        }
        Optional<CertificateAuthority> authority = Optional.empty();
        if (security.caKey().isPresent()) {
            try {
                authority = Optional.of(CertificateAuthority.load(files.caCertificate(), security.caKey().get()));
            } catch (TlsException e) {
                material.close();
                throw new IOException(e.getMessage(), e);
            }
        }
        if (!material.identity().identity().equals(config.nodeId())) {
            material.close();
            throw new IOException("the certificate " + files.certificate() + " is for " + material.identity().identity()
                    + ", not for node " + config.nodeId());
        }
        return new NodeTls(Optional.of(material), authority);
    }

    boolean secure() {
        return material.isPresent();
    }

    Optional<CertificateAuthority> authority() {
        return authority;
    }

    /** The Ratis transport's parameters: mutual TLS between node certificates, or nothing. */
    Parameters raftParameters() {
        Parameters parameters = new Parameters();
        material.ifPresent(tls -> GrpcConfigKeys.TLS.setConf(parameters,
                new GrpcTlsConfig(tls.keyManager(), tls.nodeTrustManager(), true)));
        return parameters;
    }

    /** A channel to another member's API, on which calls carry the caller they are made for. */
    ManagedChannel channel(String target) {
        return channel(NettyChannelBuilder.forTarget(target), material)
                .intercept(new ClientInterceptor[] {new CallerForwarding()})
                .build();
    }

    /** The builder speaking TLS with the material's certificate, or plaintext without. */
    static NettyChannelBuilder channel(NettyChannelBuilder builder, Optional<TlsMaterial> material) {
        return material.isPresent() ? builder.sslContext(material.get().clientContext()) : builder.usePlaintext();
    }

    Optional<TlsMaterial> material() {
        return material;
    }

    @Override
    public void close() {
        material.ifPresent(TlsMaterial::close);
    }
}
