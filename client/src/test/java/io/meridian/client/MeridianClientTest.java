package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.proto.CatalogDdl;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
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
            assertThatThrownBy(client::topology).isInstanceOfSatisfying(UnavailableException.class, e -> {
                assertThat(e.outcomeUnknown()).isFalse();
                assertThat(e.getMessage()).contains("no endpoint of").contains("could serve the call");
            });
        }
    }

    @Test
    void aWriteThatCouldNotConnectWasCertainlyNotSent() throws IOException {
        try (MeridianClient client = MeridianClient.builder().endpoints(deadEndpoint())
                .timeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> client.applyCatalogDdl(CatalogDdl.getDefaultInstance()))
                    .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.outcomeUnknown()).isFalse());
        }
    }

    @Test
    void aClosedClientRefusesCalls() throws IOException {
        MeridianClient client = MeridianClient.builder().endpoints(deadEndpoint()).build();
        client.close();

        assertThatThrownBy(client::status).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
