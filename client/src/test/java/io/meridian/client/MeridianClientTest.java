package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AccessServiceGrpc;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.RequestId;
import io.meridian.proto.WhoAmIReply;
import io.meridian.proto.WhoAmIRequest;
import io.meridian.proto.WriteReply;
import io.meridian.security.TlsFiles;
import io.meridian.wire.RequestHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MeridianClientTest {

    private static String deadEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void theBuilderRefusesMalformedEndpoints() {
        assertThatThrownBy(() -> MeridianClient.builder().build()).hasMessageContaining("at least one endpoint");
        assertThatThrownBy(() -> MeridianClient.builder().endpoints("localhost").build())
                .hasMessageContaining("'localhost' is not host:port");
        assertThatThrownBy(() -> MeridianClient.builder().endpoints("h:1").timeout(Duration.ZERO).build())
                .hasMessageContaining("positive");
    }

    @Test
    void aReadWithNoEndpointUpIsUnavailableAndTriesThemAll() throws IOException {
        try (MeridianClient client = MeridianClient.builder().endpoints(deadEndpoint() + "," + deadEndpoint())
                .timeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> client.metadata().topology())
                    .isInstanceOfSatisfying(UnavailableException.class, e -> {
                assertThat(e.outcomeUnknown()).isFalse();
                assertThat(e.getMessage()).contains("no endpoint of").contains("could serve the call");
            });
        }
    }

    @Test
    void aWriteThatCouldNotConnectWasCertainlyNotSent() throws IOException {
        try (MeridianClient client = MeridianClient.builder().endpoints(deadEndpoint())
                .timeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> client.placement().applyCatalogDdl(CatalogDdl.getDefaultInstance()))
                    .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.outcomeUnknown()).isFalse());
        }
    }

    @Test
    void aClosedClientRefusesCalls() throws IOException {
        MeridianClient client = MeridianClient.builder().endpoints(deadEndpoint()).build();
        client.close();

        assertThatThrownBy(() -> client.metadata().status()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theBuilderReportsTlsFilesItCannotLoad(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path missing = dir.resolve("ca.crt");
        assertThatThrownBy(() -> MeridianClient.builder().endpoints("h:1")
                .tls(new TlsFiles(missing, dir.resolve("admin.crt"), dir.resolve("admin.key"))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(dir.toString());
    }

    @Test
    void accessWritesCarryOneIdentityAcrossRetriesAndReadsCarryNone() throws IOException {
        FakeAccess access = new FakeAccess();
        Server server = fakeServer(access);
        try (MeridianClient client = MeridianClient.builder().endpoints("127.0.0.1:" + server.getPort())
                .timeout(Duration.ofSeconds(10)).build()) {
            access.failFirstWrites.set(1);
            WriteReply reply = client.access().grant("alice", AccessRole.ACCESS_ROLE_OPERATOR);
            assertThat(reply.getIndex()).isEqualTo(7);
            WhoAmIReply me = client.access().whoAmI();
            assertThat(me.getIdentity()).isEqualTo("insecure");

            assertThat(access.changes).hasSize(2).allSatisfy(change -> {
                assertThat(change.getIdentity()).isEqualTo("alice");
                assertThat(change.getGrant().getRole()).isEqualTo(AccessRole.ACCESS_ROLE_OPERATOR);
            });
            assertThat(access.writeIds).hasSize(2).doesNotContainNull();
            assertThat(access.writeIds.get(1)).isEqualTo(access.writeIds.get(0));
            assertThat(access.readIds).containsExactly((RequestId) null);
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aCallerWithoutTheRoleIsRefusedWithTheServersMessage() throws IOException {
        FakeAccess access = new FakeAccess();
        access.denied = "identity 'bob' needs role admin, has reader";
        Server server = fakeServer(access);
        try (MeridianClient client = MeridianClient.builder().endpoints("127.0.0.1:" + server.getPort())
                .timeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> client.access().revoke("alice", "left"))
                    .isInstanceOfSatisfying(RejectedException.class, e -> {
                        assertThat(e.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.code()).isEmpty();
                        assertThat(e.getMessage()).contains(access.denied);
                    });
            // A refusal is final: no second attempt.
            assertThat(access.changes).hasSize(1);
        } finally {
            server.shutdownNow();
        }
    }

    private static Server fakeServer(FakeAccess access) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(access, access.headers())).build().start();
    }

    /** An AccessService that records what it was sent and the request identity each call carried. */
    private static final class FakeAccess extends AccessServiceGrpc.AccessServiceImplBase {
        final List<AccessChange> changes = new CopyOnWriteArrayList<>();
        final List<RequestId> writeIds = new CopyOnWriteArrayList<>();
        final List<RequestId> readIds = new CopyOnWriteArrayList<>();
        final AtomicInteger failFirstWrites = new AtomicInteger();
        volatile String denied;
        private final ThreadLocal<RequestId> current = new ThreadLocal<>();

        ServerInterceptor headers() {
            return new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                        ServerCallHandler<Q, R> next) {
                    RequestId id = headers.get(RequestHeader.KEY);
                    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
                    return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                        @Override
                        public void onHalfClose() {
                            current.set(id);
                            try {
                                super.onHalfClose();
                            } finally {
                                current.remove();
                            }
                        }
                    };
                }
            };
        }

        @Override
        public void changeAccess(AccessChange request, StreamObserver<WriteReply> out) {
            changes.add(request);
            writeIds.add(current.get());
            if (denied != null) {
                out.onError(Status.PERMISSION_DENIED.withDescription(denied).asRuntimeException());
            } else if (failFirstWrites.getAndDecrement() > 0) {
                out.onError(Status.UNAVAILABLE.withDescription("leader changed").asRuntimeException());
            } else {
                out.onNext(WriteReply.newBuilder().setIndex(7).build());
                out.onCompleted();
            }
        }

        @Override
        public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIReply> out) {
            readIds.add(current.get());
            out.onNext(WhoAmIReply.newBuilder().setIdentity("insecure").setRole(AccessRole.ACCESS_ROLE_ADMIN).build());
            out.onCompleted();
        }
    }
}
