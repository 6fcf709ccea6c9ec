package io.meridian.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.meridian.proto.AccessRole;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS handshakes over grpc-netty on the loopback interface. */
@Timeout(120)
class TlsMaterialTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Answers with the caller the server saw: "identity/role", "anonymous" or "no-identity". */
    private static final MethodDescriptor<byte[], byte[]> WHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("meridian.test.Probe/Who")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private static final Context.Key<String> CALLER = Context.key("caller");

    @TempDir
    Path dir;

    private TestPki pki;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicReference<String> protocol = new AtomicReference<>();

    @BeforeEach
    void createCa() throws Exception {
        pki = new TestPki(dir);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void mutualTlsCallCarriesTheClientsIdentityToTheServer() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        TlsMaterial client = load(pki.write("alice", pki.ca.issue(new CertificateSubject("alice",
                AccessRole.ACCESS_ROLE_ADMIN, List.of(), new TreeMap<>(), ""), Duration.ofDays(1))));
        int port = startServer(server.serverContext());

        assertThat(call(client.clientContext(), port, null)).isEqualTo("alice/admin");
        assertThat(protocol).hasValue("TLSv1.3");
        assertThat(call(client.clientContext(), port, "localhost")).isEqualTo("alice/admin");
        assertThat(server.identity()).isEqualTo(new PeerIdentity("n1", AccessRole.ACCESS_ROLE_NODE,
                new TreeMap<>(), ""));
        assertThat(client.identity().identity()).isEqualTo("alice");
        assertThat(client.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=alice,OU=admin");
    }

    @Test
    void plaintextClientIsRefused() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        int port = startServer(server.serverContext());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(channel);

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, WHO,
                CallOptions.DEFAULT.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), new byte[0]))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(calls).hasValue(0);
    }

    @Test
    void clientCertificateOfAnotherCaFailsTheHandshake() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        int port = startServer(server.serverContext());
        CertificateAuthority stranger = CertificateAuthority.create("stranger-ca", Duration.ofDays(1));
        IssuedCertificate mallory = stranger.issue(CertificateSubject.of("mallory", AccessRole.ACCESS_ROLE_ADMIN),
                Duration.ofDays(1));

        assertUnavailable(clientContext(mallory), port);
        assertThat(calls).hasValue(0);
    }

    @Test
    void expiredClientCertificateFailsTheHandshake() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        int port = startServer(server.serverContext());
        Instant now = Instant.now();
        IssuedCertificate expired = pki.ca.issue(CertificateSubject.of("old-admin", AccessRole.ACCESS_ROLE_ADMIN),
                now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));

        assertUnavailable(clientContext(expired), port);
        assertThat(calls).hasValue(0);
    }

    @Test
    void clientWithoutCertificateConnectsAnonymously() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        int port = startServer(server.serverContext());
        SslContext noCertificate = GrpcSslContexts.configure(SslContextBuilder.forClient()
                .trustManager(pki.ca.certificate()), SslProvider.JDK).build();

        assertThat(call(noCertificate, port, null)).isEqualTo("anonymous");
        assertThat(calls).hasValue(1);
    }

    @Test
    void clientChecksTheServersHostNameAndTrustsOnlyTheClusterCa() throws Exception {
        TlsMaterial server = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        TlsMaterial client = load(pki.issue("reader-1", AccessRole.ACCESS_ROLE_READER));
        int port = startServer(server.serverContext());

        assertThat(call(client.clientContext(), port, "localhost")).isEqualTo("reader-1/reader");
        assertUnavailable(client.clientContext(), port, "elsewhere.example");

        TestPki other = new TestPki(Files.createDirectory(dir.resolve("other")));
        TlsMaterial impostor = load(other.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        int impostorPort = startServer(impostor.serverContext());
        assertUnavailable(client.clientContext(), impostorPort, null);
        assertThat(calls).hasValue(1);
    }

    @Test
    void nodeTrustManagerAdmitsNodesOnlyInBothDirections() throws Exception {
        TlsMaterial n1 = load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE));
        TlsMaterial n2 = load(pki.issue("n2", AccessRole.ACCESS_ROLE_NODE));
        TlsMaterial reader = load(pki.issue("reader-1", AccessRole.ACCESS_ROLE_READER));
        RecordingTrustManager n1Trust = new RecordingTrustManager(n1.nodeTrustManager());
        int raftPort = startServer(raftServerContext(n1.keyManager(), n1Trust));

        // No host-name check on the Raft port: the authority dialled is not in n1's certificate.
        assertThat(call(raftClientContext(n2.keyManager(), n2.nodeTrustManager()), raftPort, "elsewhere.example"))
                .isEqualTo("n2/node");
        assertThat(n1Trust.refusal.get()).isNull();

        assertUnavailable(raftClientContext(reader.keyManager(), reader.nodeTrustManager()), raftPort);
        assertThat(n1Trust.refusal.get()).isNotNull();
        assertThat(n1Trust.refusal.get().getMessage()).contains("reader-1").contains("role reader");

        // The other way: a node refuses a server that presents a reader's certificate.
        int readerPort = startServer(raftServerContext(reader.keyManager(), reader.nodeTrustManager()));
        RecordingTrustManager n2Trust = new RecordingTrustManager(n2.nodeTrustManager());
        assertUnavailable(raftClientContext(n2.keyManager(), n2Trust), readerPort);
        assertThat(n2Trust.refusal.get()).isNotNull();
        assertThat(n2Trust.refusal.get().getMessage()).contains("reader-1").contains("role reader");
        assertThat(calls).hasValue(1);
    }

    @Test
    void reloadsRotatedFilesWithoutRestart() throws Exception {
        TlsFiles files = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        TlsMaterial material = load(files);
        X509Certificate first = material.certificate();
        CertificateSubject subject = new CertificateSubject("n1", AccessRole.ACCESS_ROLE_NODE,
                List.of("localhost", "127.0.0.1"), new TreeMap<>(Map.of("zone", "b")), "voter");
        IssuedCertificate next = pki.ca.issue(subject, Duration.ofDays(2));
        next.write(dir.resolve("next.crt"), dir.resolve("next.key"));

        replace(dir.resolve("next.crt"), files.certificate());
        replace(dir.resolve("next.key"), files.privateKey());

        await().atMost(DEADLINE).until(() -> material.certificate().getSerialNumber()
                .equals(next.certificate().getSerialNumber()));
        assertThat(first.getSerialNumber()).isNotEqualTo(next.certificate().getSerialNumber());
        assertThat(material.identity().labels()).containsEntry("zone", "b");
        X509ExtendedKeyManager keyManager = material.keyManager();
        String alias = keyManager.chooseEngineServerAlias("EC", null, null);
        assertThat(keyManager.getCertificateChain(alias)[0]).isEqualTo(next.certificate());
        assertThat(keyManager.getPrivateKey(alias).getEncoded()).isEqualTo(next.privateKey().getEncoded());

        int port = startServer(material.serverContext());
        TlsMaterial client = load(pki.issue("alice", AccessRole.ACCESS_ROLE_ADMIN));
        assertThat(call(client.clientContext(), port, "localhost")).isEqualTo("alice/admin");
    }

    @Test
    void aHalfDoneRotationIsNotUsedUntilItIsComplete() throws Exception {
        TlsFiles files = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        TlsMaterial material = load(files);
        X509Certificate first = material.certificate();
        IssuedCertificate next = pki.ca.issue(CertificateSubject.of("n1", AccessRole.ACCESS_ROLE_NODE),
                Duration.ofDays(2));
        next.write(dir.resolve("next.crt"), dir.resolve("next.key"));

        replace(dir.resolve("next.crt"), files.certificate());
        await().atMost(DEADLINE).until(() -> material.rejectedReloads() > 0);
        assertThat(material.certificate()).isEqualTo(first);
        X509ExtendedKeyManager keyManager = material.keyManager();
        String alias = keyManager.chooseEngineServerAlias("EC", null, null);
        assertThat(keyManager.getCertificateChain(alias)[0]).isEqualTo(first);

        replace(dir.resolve("next.key"), files.privateKey());
        await().atMost(DEADLINE).until(() -> material.certificate().equals(next.certificate()));
    }

    @Test
    void loadFailsFastNamingTheFile() throws Exception {
        TlsFiles one = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        TlsFiles two = pki.issue("n2", AccessRole.ACCESS_ROLE_NODE);
        assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(pki.caFile, one.certificate(), two.privateKey())))
                .isInstanceOf(TlsException.class).hasMessageContaining(two.privateKey().toString())
                .hasMessageContaining("does not match");
        Path missing = dir.resolve("nope.key");
        assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(pki.caFile, one.certificate(), missing)))
                .isInstanceOf(TlsException.class).hasMessage("tls key " + missing + ": no such file");
    }

    @Test
    void closeStopsTheReloadThread() throws Exception {
        TlsMaterial material = TlsMaterial.load(pki.issue("n1", AccessRole.ACCESS_ROLE_NODE), Duration.ofMillis(20));
        assertThat(reloadThreads()).isPositive();
        material.close();
        await().atMost(DEADLINE).until(() -> reloadThreads() == 0);
    }

    private static long reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("meridian-tls-reload") && thread.isAlive())
                .peek(thread -> assertThat(thread.isDaemon()).isTrue())
                .count();
    }

    private TlsMaterial load(TlsFiles files) throws TlsException {
        TlsMaterial material = TlsMaterial.load(files, Duration.ofMillis(50));
        resources.add(material);
        return material;
    }

    private static void replace(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A client presenting {@code issued} whatever CAs the server asks for (as TlsMaterial's key
     * manager does: JSSE's own would quietly present nothing to a server that names another CA).
     */
    private SslContext clientContext(IssuedCertificate issued) throws Exception {
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        keys.updateIdentityCredentials(new X509Certificate[] {issued.certificate()}, issued.privateKey());
        return GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(keys)
                .trustManager(pki.ca.certificate()), SslProvider.JDK).build();
    }

    private static SslContext raftServerContext(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust)
            throws Exception {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keys).trustManager(trust)
                .clientAuth(ClientAuth.REQUIRE), SslProvider.JDK).protocols(TlsMaterial.PROTOCOLS).build();
    }

    private static SslContext raftClientContext(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust)
            throws Exception {
        return GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(keys).trustManager(trust),
                SslProvider.JDK).protocols(TlsMaterial.PROTOCOLS).build();
    }

    private int startServer(SslContext context) throws IOException {
        ServerServiceDefinition probe = ServerServiceDefinition.builder("meridian.test.Probe")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    calls.incrementAndGet();
                    response.onNext(CALLER.get().getBytes(StandardCharsets.UTF_8));
                    response.onCompleted();
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(context)
                .addService(ServerInterceptors.intercept(probe, new CallerInterceptor()))
                .build()
                .start();
        servers.add(server);
        return server.getPort();
    }

    /** Calls Who over TLS to 127.0.0.1, presenting {@code authority} (a host name to check) when not null. */
    private String call(SslContext context, int port, String authority) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(context);
        if (authority != null) {
            builder.overrideAuthority(authority + ":" + port);
        }
        ManagedChannel channel = builder.build();
        channels.add(channel);
        byte[] reply = ClientCalls.blockingUnaryCall(channel, WHO,
                CallOptions.DEFAULT.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), new byte[0]);
        return new String(reply, StandardCharsets.UTF_8);
    }

    private void assertUnavailable(SslContext context, int port) {
        assertUnavailable(context, port, null);
    }

    private void assertUnavailable(SslContext context, int port, String authority) {
        assertThatThrownBy(() -> call(context, port, authority)).isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    /** Puts the caller the TLS session shows into the call's context. */
    private final class CallerInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            String caller;
            if (session == null) {
                caller = "no-tls";
            } else {
                protocol.set(session.getProtocol());
                try {
                    caller = PeerIdentity.of((X509Certificate) session.getPeerCertificates()[0])
                            .map(peer -> peer.identity() + "/" + PeerIdentity.roleName(peer.certificateRole()))
                            .orElse("no-identity");
                } catch (SSLPeerUnverifiedException e) {
                    caller = "anonymous";
                }
            }
            return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
        }
    }

    /** Delegates, and keeps the last refusal so a test can read its message. */
    private static final class RecordingTrustManager extends X509ExtendedTrustManager {
        final AtomicReference<CertificateException> refusal = new AtomicReference<>();
        private final X509ExtendedTrustManager delegate;

        RecordingTrustManager(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        private interface Check {
            void run() throws CertificateException;
        }

        private void record(Check check) throws CertificateException {
            try {
                check.run();
            } catch (CertificateException e) {
                refusal.set(e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            record(() -> delegate.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            record(() -> delegate.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            record(() -> delegate.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            record(() -> delegate.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            record(() -> delegate.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            record(() -> delegate.checkServerTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
