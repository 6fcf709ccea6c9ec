package io.meridian.security;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.SslSocketAndEnginePeerVerifier;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.meridian.proto.AccessRole;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A party's TLS material (its certificate and key, and the CA it trusts), for gRPC clients and
 * servers and for the Raft port, reloaded when its files change so that rotating certificates
 * needs no restart.
 *
 * <p>A thread named {@code meridian-tls-reload} reads the three files every reload period. When
 * their content differs from what is in use it checks them as {@link TlsFiles#check()} does and,
 * if they pass, swaps them into the key and trust managers, which every context and handshake
 * made from this object uses from then on; if they do not pass (a rotation half done, say) it
 * logs why once and keeps the material in use. Replace files atomically (write new files, then
 * move them over the old ones) so that a reading never sees half a file. (grpc-util's own file
 * reloading is not used: it polls at most once a minute and installs a key without checking it
 * against its certificate or the certificate against the CA.)
 *
 * <p>Thread-safe. {@link #close()} stops the reload thread; the contexts keep the last material.
 */
public final class TlsMaterial implements AutoCloseable {

    /** How often the files are read by default. */
    public static final Duration DEFAULT_RELOAD_PERIOD = Duration.ofSeconds(2);
    /** The protocol versions every context allows. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

    private final TlsFiles files;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager clientTrust;
    private final AdvancedTlsX509TrustManager serverTrust;
    private final AdvancedTlsX509TrustManager nodeTrust;
    private final SslContext clientContext;
    private final SslContext serverContext;
    private final ScheduledExecutorService reloader;
    private final AtomicLong rejectedReloads = new AtomicLong();

    private volatile TlsBundle current;
    /** Only the reload thread reads and writes these after construction. */
    private byte[] installedDigest;
    private String lastProblem;

    private TlsMaterial(TlsFiles files, TlsBundle.Texts texts, TlsBundle bundle, Duration reloadEvery)
            throws TlsException {
        this.files = files;
        try {
            clientTrust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION).build();
            serverTrust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION).build();
            nodeTrust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
                    .setSslSocketAndEnginePeerVerifier(new NodeRoleVerifier()).build();
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 trust manager", e);
        }
        install(bundle);
        installedDigest = texts.digest();
        try {
            clientContext = GrpcSslContexts.configure(SslContextBuilder.forClient()
                            .keyManager(keyManager).trustManager(clientTrust), SslProvider.JDK)
                    .protocols(PROTOCOLS).build();
            serverContext = GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager)
                            .trustManager(serverTrust).clientAuth(ClientAuth.OPTIONAL), SslProvider.JDK)
                    .protocols(PROTOCOLS).build();
        } catch (SSLException e) {
            throw new TlsException("TLS contexts for " + files.certificate() + " cannot be built ("
                    + e.getMessage() + ")", e);
        }
        reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "meridian-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        long period = reloadEvery.toMillis();
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, period, period, TimeUnit.MILLISECONDS);
    }

    /** Loads and checks the files, and reloads them every two seconds. */
    public static TlsMaterial load(TlsFiles files) throws TlsException {
        return load(files, DEFAULT_RELOAD_PERIOD);
    }

    /**
     * Loads and checks the files (as {@link TlsFiles#check()} does) and reloads them every
     * {@code reloadEvery}.
     *
     * @throws TlsException naming the file and what is wrong, when the files do not pass
     * @throws IllegalArgumentException when {@code reloadEvery} is shorter than a millisecond
     */
    public static TlsMaterial load(TlsFiles files, Duration reloadEvery) throws TlsException {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(reloadEvery, "reloadEvery");
        if (reloadEvery.toMillis() < 1) {
            throw new IllegalArgumentException("the reload period must be at least 1ms, not " + reloadEvery);
        }
        TlsBundle.Texts texts = TlsBundle.Texts.read(files);
        return new TlsMaterial(files, texts, TlsBundle.parse(files, texts, Instant.now()), reloadEvery);
    }

    /** The files this material is read from. */
    public TlsFiles files() {
        return files;
    }

    /**
     * The context for grpc-netty clients ({@code NettyChannelBuilder.sslContext}): TLSv1.3 and
     * TLSv1.2 only; presents this party's certificate; trusts only the cluster CA; checks that the
     * server's certificate names the host name dialled (a DNS name or IP address in its SAN).
     */
    public SslContext clientContext() {
        return clientContext;
    }

    /**
     * The context for grpc-netty servers ({@code NettyServerBuilder.sslContext}): TLSv1.3 and
     * TLSv1.2 only; presents this party's certificate; a client certificate is optional (a caller
     * without one reaches only the anonymous methods: the server's interceptor decides), and one
     * not signed by the cluster CA, or expired, fails the handshake.
     */
    public SslContext serverContext() {
        return serverContext;
    }

    /** The key manager presenting this party's current certificate, for contexts built elsewhere (Raft). */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * The trust manager for the Raft port, in both directions: the peer's certificate must be
     * signed by the cluster CA and name the role {@code node} (OU=node); anything else fails the
     * handshake with a {@link CertificateException} naming the peer's identity and role. Host
     * names are not checked: Raft peers are known by their certificates. It needs the
     * {@link SSLEngine} or {@link Socket} of the handshake, as JSSE and Netty provide.
     */
    public X509ExtendedTrustManager nodeTrustManager() {
        return nodeTrust;
    }

    /** This party's certificate as of the latest reload. */
    public X509Certificate certificate() {
        return current.certificate();
    }

    /** The identity this party's certificate names, as of the latest reload. */
    public PeerIdentity identity() {
        return current.identity();
    }

    /**
     * A certificate for people: identity, "CA" or the role, hosts, labels, Raft role, serial (hex)
     * and end of validity, as {@code "n1 (role node, hosts localhost,127.0.0.1, serial 3f0c..., valid until
     * 2027-01-01T00:00:00Z)"}.
     */
    public static String describe(X509Certificate certificate) {
        return TlsChecks.describe(certificate);
    }

    /** Stops the reload thread; the contexts keep working with the material last loaded. */
    @Override
    public void close() {
        reloader.shutdownNow();
    }

    /** How many readings of changed files failed their checks and were not used (for tests). */
    long rejectedReloads() {
        return rejectedReloads.get();
    }

    private void install(TlsBundle bundle) throws TlsException {
        X509Certificate[] authorities = bundle.authorities().toArray(X509Certificate[]::new);
        try {
            clientTrust.updateTrustCredentials(authorities);
            serverTrust.updateTrustCredentials(authorities);
            nodeTrust.updateTrustCredentials(authorities);
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsException("CA certificate " + files.caCertificate() + " cannot be trusted ("
                    + e.getMessage() + ")", e);
        }
        keyManager.updateIdentityCredentials(bundle.chain().toArray(X509Certificate[]::new), bundle.key());
        current = bundle;
    }

    /** Runs on the reload thread: swaps in the files' content when it changed and passes the checks. */
    private void reloadIfChanged() {
        try {
            TlsBundle.Texts texts = TlsBundle.Texts.read(files);
            byte[] digest = texts.digest();
            if (MessageDigest.isEqual(digest, installedDigest)) {
                return;
            }
            TlsBundle bundle = TlsBundle.parse(files, texts, Instant.now());
            install(bundle);
            installedDigest = digest;
            lastProblem = null;
            LOG.info("Reloaded TLS material from {}: {}", files.certificate(), describe(bundle.certificate()));
        } catch (TlsException e) {
            rejectedReloads.incrementAndGet();
            if (!e.getMessage().equals(lastProblem)) {
                lastProblem = e.getMessage();
                LOG.warn("Kept the TLS material in use ({}): {}", describe(current.certificate()), e.getMessage());
            }
        } catch (RuntimeException e) {
            // Thrown out of the task, it would end the reloading for good.
            LOG.error("Failed to reload TLS material from {}; kept the material in use", files.certificate(), e);
        }
    }

    /** Admits only certificates issued for the role NODE. */
    private static final class NodeRoleVerifier implements SslSocketAndEnginePeerVerifier {

        @Override
        public void verifyPeerCertificate(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            requireNode(chain);
        }

        @Override
        public void verifyPeerCertificate(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            requireNode(chain);
        }

        private static void requireNode(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the Raft port admits only node certificates; the peer presented none");
            }
            PeerIdentity peer = PeerIdentity.of(chain[0]).orElseThrow(() -> new CertificateException(
                    "the Raft port admits only node certificates; the peer's certificate ("
                            + chain[0].getSubjectX500Principal().getName() + ") names no identity"));
            if (peer.certificateRole() != AccessRole.ACCESS_ROLE_NODE) {
                throw new CertificateException("the Raft port admits only node certificates; " + peer.identity()
                        + " presented one for the role " + PeerIdentity.roleName(peer.certificateRole()));
            }
        }
    }
}
